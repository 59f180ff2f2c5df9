/* The forum's JavaScript: it only improves pages that work without it.
 *
 * - live preview of the Markdown being written (the server's own renderer, POST /preview);
 * - replying on a topic page without reloading it (the JSON API, with the form's CSRF token);
 * - completing @mentions from the first letters of a username (GET /api/v1/users);
 * - while a new topic's title is typed, showing topics that may already answer it
 *   (GET /api/v1/similar).
 *
 * Plain browser JavaScript, no build step. Texts come translated from data-* attributes.
 */
(function () {
  "use strict";

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, wait);
    };
  }

  function csrfOf(form) {
    var field = form.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  /* -- live preview ---------------------------------------------------------------------- */

  function setUpPreview(form, textarea) {
    var box = document.createElement("section");
    box.className = "preview";
    box.setAttribute("aria-live", "polite");
    var heading = document.createElement("h2");
    heading.className = "preview-heading";
    heading.textContent = form.dataset.previewLabel || "Preview";
    var body = document.createElement("div");
    body.className = "post-body preview-body";
    box.appendChild(heading);
    box.appendChild(body);
    form.parentNode.insertBefore(box, form.nextSibling);

    var latest = 0;
    var update = debounce(function () {
      var ticket = ++latest;
      if (!textarea.value.trim()) {
        body.innerHTML = "";
        return;
      }
      var data = new FormData();
      data.append("body", textarea.value);
      data.append("csrf_token", csrfOf(form));
      fetch(form.dataset.previewUrl, {method: "POST", body: data, credentials: "same-origin",
                                      headers: {"Accept": "application/json"}})
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (ticket !== latest) { return; }  // a newer preview is on its way
          if (answer.html !== undefined) {
            body.innerHTML = answer.html;  // sanitized by the server's content pipeline
            box.classList.remove("preview-error");
          } else {
            body.textContent = answer.error || "";
            box.classList.add("preview-error");
          }
        })
        .catch(function () { /* offline: the form still posts normally */ });
    }, 350);
    textarea.addEventListener("input", update);
    update();
  }

  /* -- reply without reloading ----------------------------------------------------------- */

  function setUpInlineReply(form, textarea) {
    var topicId = form.dataset.topicId;
    if (!topicId || !window.fetch) { return; }
    var status = document.createElement("p");
    status.className = "form-error";
    status.setAttribute("role", "alert");
    status.hidden = true;
    form.insertBefore(status, form.firstChild);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      status.hidden = true;
      fetch("/api/v1/topics/" + encodeURIComponent(topicId) + "/posts", {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json",
                  "X-CSRF-Token": csrfOf(form)},
        body: JSON.stringify({body: textarea.value})
      }).then(function (response) {
        return response.json().then(function (answer) { return [response.ok, answer]; });
      }).then(function (result) {
        var ok = result[0], answer = result[1];
        if (!ok) {
          status.textContent = answer.detail || answer.title || "";
          status.hidden = false;
          return;
        }
        appendPost(answer, form);
        textarea.value = "";
        textarea.dispatchEvent(new Event("input"));
      }).catch(function () {
        form.submit();  // the network failed: fall back to the plain form
      }).then(function () { button.disabled = false; });
    });
  }

  function appendPost(post, form) {
    var article = document.createElement("article");
    article.className = "post post-new";
    article.id = "post-" + post.number;
    var header = document.createElement("header");
    header.className = "post-meta";
    var name = document.createElement("strong");
    var link = document.createElement("a");
    link.href = post.author.url;
    link.textContent = post.author.name;
    name.appendChild(link);
    var when = document.createElement("a");
    when.href = "#post-" + post.number;
    when.textContent = form.dataset.justNow || "";
    header.appendChild(name);
    header.appendChild(document.createTextNode(" "));
    header.appendChild(when);
    var body = document.createElement("div");
    body.className = "post-body";
    body.innerHTML = post.html;  // sanitized by the server's content pipeline
    article.appendChild(header);
    article.appendChild(body);
    var posts = document.querySelectorAll("article.post");
    var last = posts[posts.length - 1];
    last.parentNode.insertBefore(article, last.nextSibling);
    article.setAttribute("tabindex", "-1");
    article.focus();
  }

  /* -- @mention completion --------------------------------------------------------------- */

  function setUpMentions(textarea) {
    var list = document.createElement("ul");
    list.className = "mention-list";
    list.id = textarea.id + "-mentions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    textarea.parentNode.insertBefore(list, textarea.nextSibling);
    textarea.setAttribute("aria-controls", list.id);
    textarea.setAttribute("aria-autocomplete", "list");
    var active = -1;

    function partial() {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var match = /(^|\s)@([\w.-]{1,30})$/.exec(before);
      return match ? match[2] : null;
    }

    function close() {
      list.hidden = true;
      list.innerHTML = "";
      active = -1;
      textarea.removeAttribute("aria-activedescendant");
    }

    function choose(username) {
      var start = textarea.selectionStart;
      var before = textarea.value.slice(0, start).replace(/@[\w.-]*$/, "@" + username + " ");
      textarea.value = before + textarea.value.slice(start);
      textarea.selectionStart = textarea.selectionEnd = before.length;
      close();
      textarea.focus();
      textarea.dispatchEvent(new Event("input"));
    }

    function highlight(index) {
      var items = list.querySelectorAll("li");
      if (!items.length) { return; }
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) { item.setAttribute("aria-selected", String(i === active)); });
      textarea.setAttribute("aria-activedescendant", items[active].id);
    }

    var lookUp = debounce(function (prefix) {
      fetch("/api/v1/users?prefix=" + encodeURIComponent(prefix),
            {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {items: []}; })
        .then(function (answer) {
          if (partial() !== prefix) { return; }
          close();
          answer.items.forEach(function (user, i) {
            var item = document.createElement("li");
            item.id = list.id + "-" + i;
            item.setAttribute("role", "option");
            item.dataset.username = user.username;
            item.textContent = "@" + user.username + (user.name !== user.username ? " · " + user.name : "");
            item.addEventListener("mousedown", function (event) {
              event.preventDefault();
              choose(user.username);
            });
            list.appendChild(item);
          });
          list.hidden = !answer.items.length;
          if (answer.items.length) { highlight(0); }
        })
        .catch(close);
    }, 200);

    textarea.addEventListener("input", function () {
      var prefix = partial();
      if (prefix) { lookUp(prefix); } else { close(); }
    });
    textarea.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" || event.key === "Tab") {
        var item = list.querySelectorAll("li")[active];
        if (item) {
          event.preventDefault();
          choose(item.dataset.username);
        }
      } else if (event.key === "Escape") {
        close();
      }
    });
    textarea.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function setUpSimilar(form) {
    var title = form.querySelector("input[name=title]");
    if (!title) { return; }
    var box = document.createElement("section");
    box.className = "similar";
    box.setAttribute("aria-live", "polite");
    box.hidden = true;
    title.insertAdjacentElement("afterend", box);
    var lookUp = debounce(function () {
      var text = title.value.trim();
      if (text.length < 8) { box.hidden = true; return; }
      var url = "/api/v1/similar?type=" + encodeURIComponent(form.dataset.similarType || "topic") +
        "&text=" + encodeURIComponent(text);
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {items: []}; })
        .then(function (answer) {
          box.textContent = "";
          box.hidden = answer.items.length === 0;
          if (box.hidden) { return; }
          var heading = document.createElement("p");
          heading.textContent = form.dataset.similarLabel;
          var list = document.createElement("ul");
          answer.items.forEach(function (item) {
            var link = document.createElement("a");
            link.href = item.url;
            link.target = "_blank";
            link.textContent = item.title;
            var entry = document.createElement("li");
            entry.appendChild(link);
            list.appendChild(entry);
          });
          box.appendChild(heading);
          box.appendChild(list);
        })
        .catch(function () { box.hidden = true; });
    }, 400);
    title.addEventListener("input", lookUp);
  }

  document.querySelectorAll("form[data-editor]").forEach(function (form) {
    var textarea = form.querySelector("textarea[name=body]");
    if (!textarea || !window.fetch) { return; }
    document.documentElement.classList.add("js");
    setUpPreview(form, textarea);
    setUpMentions(textarea);
    if (form.dataset.similarLabel !== undefined) { setUpSimilar(form); }
    if (form.dataset.inlineReply !== undefined) { setUpInlineReply(form, textarea); }
  });
})();
