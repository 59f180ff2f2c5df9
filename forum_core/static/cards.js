/* User cards and the header's menus: progressive enhancement, plain browser JavaScript.
 *
 * Without JavaScript an author's name links to the profile, and the header's menus are
 * <details> elements that open and close on their own. This adds:
 * - the user card: hovering, focusing or tapping an element with data-user-card (a post's
 *   author) fetches that small HTML page (/u/<name>/card) and shows it under the name;
 *   Escape or leaving closes it. The card is inserted right after the name, so Tab moves
 *   into its links.
 * - menus (details.menu): Escape closes the open one and returns focus to its summary; a
 *   click elsewhere closes it; opening one closes the others.
 */
(function () {
  "use strict";

  // -- menus ---------------------------------------------------------------------------
  function menus() { return document.querySelectorAll("details.menu"); }

  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!(opened instanceof HTMLDetailsElement) || !opened.classList.contains("menu") || !opened.open) return;
    menus().forEach(function (other) { if (other !== opened) other.open = false; });
  }, true);

  document.addEventListener("click", function (event) {
    menus().forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  });

  // -- user cards ----------------------------------------------------------------------
  var cache = {};
  var open = null;      // {trigger, card}
  var showTimer = 0;
  var hideTimer = 0;

  function fetchCard(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}})
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .catch(function (error) { delete cache[url]; throw error; });
    }
    return cache[url];
  }

  function close(returnFocus) {
    clearTimeout(showTimer);
    if (!open) return;
    var trigger = open.trigger;
    open.card.remove();
    trigger.setAttribute("aria-expanded", "false");
    open = null;
    if (returnFocus) trigger.focus();
  }

  function show(trigger) {
    if (open && open.trigger === trigger) return;
    var url = trigger.getAttribute("data-user-card");
    fetchCard(url).then(function (html) {
      close(false);
      var card = document.createElement("div");
      card.className = "user-card";
      card.innerHTML = html;  // the forum's own page, escaped by its templates
      card.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
      card.addEventListener("mouseleave", scheduleHide);
      card.addEventListener("focusout", function (event) {
        if (open && !card.contains(event.relatedTarget) && event.relatedTarget !== trigger) close(false);
      });
      trigger.insertAdjacentElement("afterend", card);
      trigger.setAttribute("aria-expanded", "true");
      open = {trigger: trigger, card: card};
    }, function () { /* no card: the link still leads to the profile */ });
  }

  function scheduleHide() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(function () {
      if (open && !open.card.contains(document.activeElement) && document.activeElement !== open.trigger) close(false);
    }, 300);
  }

  function triggerOf(target) {
    return target instanceof Element ? target.closest("[data-user-card]") : null;
  }

  document.addEventListener("mouseover", function (event) {
    var trigger = triggerOf(event.target);
    if (!trigger) return;
    clearTimeout(hideTimer);
    clearTimeout(showTimer);
    showTimer = setTimeout(function () { show(trigger); }, 350);
  });
  document.addEventListener("mouseout", function (event) {
    var trigger = triggerOf(event.target);
    if (!trigger || trigger.contains(event.relatedTarget)) return;
    clearTimeout(showTimer);
    scheduleHide();
  });
  document.addEventListener("focusin", function (event) {
    var trigger = triggerOf(event.target);
    if (trigger) { clearTimeout(hideTimer); show(trigger); }
  });
  document.addEventListener("focusout", function (event) {
    var trigger = triggerOf(event.target);
    if (trigger && open && open.trigger === trigger && !open.card.contains(event.relatedTarget)) close(false);
  });
  // a tap opens the card first; a second tap on the name follows the link
  document.addEventListener("click", function (event) {
    var trigger = triggerOf(event.target);
    if (!trigger) {
      if (open && !open.card.contains(event.target)) close(false);
      return;
    }
    if (event.pointerType === "touch" || (window.matchMedia && window.matchMedia("(hover: none)").matches)) {
      if (!open || open.trigger !== trigger) { event.preventDefault(); show(trigger); }
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    if (open) { close(true); return; }
    menus().forEach(function (menu) {
      if (menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
    });
  });

  document.querySelectorAll("[data-user-card]").forEach(function (trigger) {
    trigger.setAttribute("aria-expanded", "false");
  });
}());
