/* Reading: lists and topics that grow as one reads, and the member's reading position.
 *
 * - "Load more" (p.pager[data-load-more] holding a rel=next keyset link, which works without
 *   JavaScript): a click fetches the next page and appends its topic rows or posts in place;
 *   focus moves to the first new item and a polite live region says that more was loaded. On a
 *   topic page the next posts are also fetched as the reader nears the end. The address becomes
 *   that of the last page fetched (history.replaceState), so a reload shows where one was.
 * - Reading progress (div[data-reading]): "12 / 40" (the last post in view / the topic's last
 *   post) following the scroll, in place of the page's range. For a member, the highest post
 *   number seen (a post scrolled past, or one filling the window) is sent to data-read-url
 *   (POST with the CSRF token; sendBeacon as the page is left); the server keeps the highest.
 * - The cookie forum_reads tells the server that this browser reports what it saw, so a page
 *   view no longer counts every post shown as read.
 *
 * Plain browser JavaScript, no build step. Texts come translated from data-* attributes.
 */
(function () {
  "use strict";

  document.cookie = "forum_reads=1; path=/; max-age=31536000; SameSite=Lax";

  var liveRegion = null;

  function announce(text) {
    if (!text) { return; }
    if (!liveRegion) {
      liveRegion = document.createElement("p");
      liveRegion.className = "visually-hidden";
      liveRegion.setAttribute("role", "status");
      liveRegion.setAttribute("aria-live", "polite");
      document.body.appendChild(liveRegion);
    }
    liveRegion.textContent = "";
    window.setTimeout(function () { liveRegion.textContent = text; }, 50);
  }

  /* -- load more ----------------------------------------------------------------------------- */

  function appendFrom(doc, pager) {
    var list = document.querySelector("ol.topic-list");
    var added = [];
    if (list) {
      doc.querySelectorAll("ol.topic-list > li").forEach(function (item) {
        added.push(list.appendChild(document.importNode(item, true)));
      });
    } else {
      doc.querySelectorAll("article.post").forEach(function (post) {
        if (!document.getElementById(post.id)) {
          added.push(pager.parentNode.insertBefore(document.importNode(post, true), pager));
        }
      });
    }
    return added;
  }

  function loadMore(pager, byHand) {
    var link = pager.querySelector("a[rel=next]");
    if (!link || pager.dataset.busy) { return; }
    pager.dataset.busy = "1";
    link.setAttribute("aria-busy", "true");
    var url = link.href;
    fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var added = appendFrom(doc, pager);
        var next = doc.querySelector("p.pager[data-load-more] a[rel=next]");
        if (next) {
          link.href = next.getAttribute("href");
        } else {
          pager.remove();
        }
        history.replaceState(history.state, "", url);
        if (byHand && added.length) {
          added[0].setAttribute("tabindex", "-1");
          added[0].focus();
        }
        announce(pager.dataset.loaded);
        document.dispatchEvent(new CustomEvent("forum:loaded"));
      })
      .catch(function () {
        window.location.href = url;  // the page itself says what went wrong
      })
      .then(function () {
        delete pager.dataset.busy;
        link.removeAttribute("aria-busy");
      });
  }

  document.querySelectorAll("p.pager[data-load-more]").forEach(function (pager) {
    pager.addEventListener("click", function (event) {
      if (event.target.closest("a[rel=next]")) {
        event.preventDefault();
        loadMore(pager, true);
      }
    });
    if (!document.querySelector("ol.topic-list") && "IntersectionObserver" in window) {
      // a topic page: the next posts come as the reader nears the end
      new IntersectionObserver(function (entries) {
        if (entries.some(function (entry) { return entry.isIntersecting; })) {
          loadMore(pager, false);
        }
      }, {rootMargin: "0px 0px 400px 0px"}).observe(pager);
    }
  });

  /* -- reading position ------------------------------------------------------------------- */

  var reading = document.querySelector("[data-reading]");
  if (!reading) { return; }
  var last = Number(reading.dataset.last) || 0;
  var seen = Number(reading.dataset.marker) || 0;
  var sent = seen;
  var range = reading.querySelector("[data-reading-range]");
  var timer = null;

  function report(leaving) {
    timer = null;
    var url = reading.dataset.readUrl;
    if (!url || seen <= sent) { return; }
    var data = new FormData();
    data.append("csrf_token", reading.dataset.csrf || "");
    data.append("number", String(seen));
    sent = seen;
    if (leaving && navigator.sendBeacon) {
      navigator.sendBeacon(url, data);
    } else {
      fetch(url, {method: "POST", body: data, credentials: "same-origin", keepalive: true})
        .catch(function () { sent = 0; });
    }
  }

  function update() {
    var bottom = window.innerHeight;
    var current = 0;
    document.querySelectorAll("article.post[id^='post-']").forEach(function (post) {
      var number = Number(post.id.slice(5));
      var box = post.getBoundingClientRect();
      if (box.top < bottom) { current = Math.max(current, number); }
      if (box.bottom <= bottom + 2 || (box.top <= 0 && box.bottom >= bottom)) {
        seen = Math.max(seen, number);
      }
    });
    if (current) {
      range.textContent = Math.min(current, last || current) + " / " + (last || current);
    }
    if (seen > sent && !timer) { timer = window.setTimeout(report, 2000); }
  }

  var queued = false;
  function onScroll() {
    if (queued) { return; }
    queued = true;
    window.requestAnimationFrame(function () { queued = false; update(); });
  }
  window.addEventListener("scroll", onScroll, {passive: true});
  window.addEventListener("resize", onScroll);
  document.addEventListener("forum:loaded", onScroll);
  window.addEventListener("pagehide", function () { report(true); });
  // following a link: sent before the next page is asked for, which may list this topic
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("a[href]")) { update(); report(true); }
  }, true);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { report(true); }
  });

  // back where one stopped: a topic opened at its start scrolls to the first unread post
  var jump = reading.querySelector("a[data-first-unread]");
  if (jump && !window.location.hash && jump.getAttribute("href").charAt(0) === "#") {
    var target = document.querySelector(jump.getAttribute("href"));
    if (target) { target.scrollIntoView({block: "start"}); }
  }
  update();
})();
