/* The forum's JavaScript: it only improves pages that work without it.
 *
 * - live preview of the Markdown being written (the server's own renderer, POST /preview);
 * - replying on a topic page without reloading it (the JSON API, with the form's CSRF token);
 * - completing @mentions from the first letters of a username (GET /api/v1/users);
 * - while a new topic's title is typed, showing topics that may already answer it
 *   (GET /api/v1/similar);
 * - a Markdown toolbar (bold, italic, link, quote, code, lists; Ctrl/Cmd+B, I, K) whose edits
 *   the browser can undo;
 * - drafts kept on the server while one writes (PUT/DELETE /api/v1/drafts/<key>);
 * - "Quote" on a post puts the post's Markdown (GET /api/v1/posts/<id>), or the selected
 *   part of it, into the reply box on the same page;
 * - the preview beside the text on wide screens, a Write/Preview switch on phones;
 * - keyboard shortcuts: j/k between posts or topics, r reply, / search, ? their list;
 * - the browser's time zone sent with sign-in and registration (the member's zone until they
 *   choose one on /account), and offered first there.
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
    var split = form.querySelector(".editor-split");
    if (split) {
      split.appendChild(box);  // beside the text on wide screens (forum.css)
      setUpWriteTabs(form, split);
    } else {
      form.parentNode.insertBefore(box, form.nextSibling);
    }

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


  /* -- Write / Preview on phones --------------------------------------------------------- */

  function setUpWriteTabs(form, split) {
    var tabs = form.querySelector(".editor-tabs");
    if (!tabs) { return; }
    tabs.hidden = false;
    var buttons = tabs.querySelectorAll(".editor-tab");
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        var preview = button.dataset.pane === "preview";
        split.classList.toggle("show-preview", preview);
        buttons.forEach(function (other) {
          other.setAttribute("aria-pressed", String(other === button));
        });
        if (!preview) { split.querySelector("textarea").focus(); }
      });
    });
  }

  /* -- editing the text: changes the browser can undo ----------------------------------- */

  /* Replace the characters from start to end with text, then select [selStart, selEnd)
     of the new text. execCommand('insertText') keeps the browser's undo history and fires
     "input" (the preview and the draft follow); setRangeText is the fallback. */
  function replaceRange(textarea, start, end, text, selStart, selEnd) {
    textarea.focus();
    textarea.setSelectionRange(start, end);
    var done = false;
    try { done = document.execCommand("insertText", false, text); } catch (e) { done = false; }
    if (!done || textarea.value.slice(start, start + text.length) !== text) {
      textarea.setRangeText(text, start, end, "end");
      textarea.dispatchEvent(new Event("input", {bubbles: true}));
    }
    textarea.setSelectionRange(start + selStart, start + selEnd);
  }

  function wrapSelection(textarea, before, after, placeholder) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var chosen = textarea.value.slice(start, end) || placeholder;
    replaceRange(textarea, start, end, before + chosen + after,
                 before.length, before.length + chosen.length);
  }

  /* Prefix each line of the selection (whole lines) with what prefix(i) gives. */
  function prefixLines(textarea, prefix, placeholder) {
    var value = textarea.value;
    var start = value.lastIndexOf("\n", textarea.selectionStart - 1) + 1;
    var end = textarea.selectionEnd;
    var chosen = value.slice(start, end);
    if (!chosen.trim()) {
      var lead = prefix(0);
      replaceRange(textarea, start, end, lead + placeholder, lead.length,
                   lead.length + placeholder.length);
      return;
    }
    var lines = chosen.split("\n").map(function (line, i) { return prefix(i) + line; });
    var text = lines.join("\n");
    replaceRange(textarea, start, end, text, 0, text.length);
  }

  var FORMATS = {
    bold: function (t, p) { wrapSelection(t, "**", "**", p); },
    italic: function (t, p) { wrapSelection(t, "_", "_", p); },
    link: function (t, p) {
      var start = t.selectionStart, end = t.selectionEnd;
      var chosen = t.value.slice(start, end);
      if (/^https?:\/\/\S+$/.test(chosen)) {  // a URL was selected: it is the target
        replaceRange(t, start, end, "[" + p + "](" + chosen + ")", 1, 1 + p.length);
      } else {
        var label = chosen || p;
        replaceRange(t, start, end, "[" + label + "](https://)", label.length + 3,
                     label.length + 11);
      }
    },
    quote: function (t, p) { prefixLines(t, function () { return "> "; }, p); },
    code: function (t, p) {
      var chosen = t.value.slice(t.selectionStart, t.selectionEnd);
      if (chosen.indexOf("\n") === -1) { wrapSelection(t, "`", "`", p); return; }
      var start = t.selectionStart;
      var before = start > 0 && t.value.charAt(start - 1) !== "\n" ? "\n" : "";
      var text = before + "```\n" + chosen.replace(/\n$/, "") + "\n```\n";
      replaceRange(t, start, t.selectionEnd, text, before.length + 4,
                   text.length - 5);
    },
    bullets: function (t, p) { prefixLines(t, function () { return "- "; }, p); },
    numbers: function (t, p) { prefixLines(t, function (i) { return (i + 1) + ". "; }, p); }
  };

  function setUpToolbar(form, textarea) {
    var bar = form.querySelector(".md-toolbar");
    if (!bar) { return; }
    bar.hidden = false;
    var buttons = Array.prototype.slice.call(bar.querySelectorAll("button"));
    function apply(button) {
      FORMATS[button.dataset.md](textarea, button.dataset.placeholder || "");
    }
    buttons.forEach(function (button, i) {
      button.addEventListener("mousedown", function (event) { event.preventDefault(); });
      button.addEventListener("click", function () { apply(button); });
      button.tabIndex = i === 0 ? 0 : -1;
    });
    // one tab stop; the arrow keys move between the buttons (a roving tabindex)
    bar.addEventListener("keydown", function (event) {
      var index = buttons.indexOf(document.activeElement);
      if (index < 0) { return; }
      var next = {ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0,
                  End: buttons.length - 1}[event.key];
      if (next === undefined) { return; }
      event.preventDefault();
      next = (next + buttons.length) % buttons.length;
      buttons[index].tabIndex = -1;
      buttons[next].tabIndex = 0;
      buttons[next].focus();
    });
    var keys = {b: "bold", i: "italic", k: "link"};
    textarea.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) { return; }
      var name = keys[event.key.toLowerCase()];
      if (!name) { return; }
      var button = bar.querySelector("[data-md=" + name + "]");
      event.preventDefault();
      apply(button);
    });
  }

  /* -- drafts kept on the server --------------------------------------------------------- */

  function setUpDrafts(form, textarea) {
    var url = form.dataset.draftUrl;
    if (!url) { return null; }
    var title = form.querySelector("input[name=title]");
    var status = form.querySelector(".draft-status");
    var discard = form.querySelector(".draft-discard");
    var saved = {body: textarea.value, title: title ? title.value : ""};
    var sending = false;

    function say(text) { if (status) { status.textContent = text; } }
    function current() { return {body: textarea.value, title: title ? title.value : ""}; }
    function changed() {
      var now = current();
      return now.body !== saved.body || now.title !== saved.title;
    }
    function request(method, data, keepalive) {
      var options = {method: method, credentials: "same-origin", keepalive: !!keepalive,
                     headers: {"Accept": "application/json", "X-CSRF-Token": csrfOf(form)}};
      if (data) {
        options.headers["Content-Type"] = "application/json";
        options.body = JSON.stringify(title ? data : {body: data.body});
      }
      return fetch(url, options);
    }

    function save(keepalive) {
      if (sending || !changed()) { return Promise.resolve(); }
      var data = current();
      var empty = !data.body.trim() && !data.title.trim();
      var call = request(empty ? "DELETE" : "PUT", empty ? null : data, keepalive);
      if (keepalive) { saved = data; return call.catch(function () {}); }
      return call.then(function (response) {
        if (response.ok) {
          saved = data;
          say(empty ? "" : form.dataset.draftSaved);
          if (discard) { discard.hidden = empty; }
          return;
        }
        return response.json().then(function (answer) {
          say(answer.detail || form.dataset.draftFailed);
        });
      }).catch(function () { say(form.dataset.draftFailed); });
    }

    var later = debounce(function () { save(false); }, 1500);
    textarea.addEventListener("input", later);
    if (title) { title.addEventListener("input", later); }

    // the page is left (another tab, closed, navigated): keep what was typed since
    function leaving() { if (!sending) { save(true); } }
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { leaving(); }
    });
    window.addEventListener("pagehide", leaving);

    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (button && button.name === "draft") {
        event.preventDefault();
        event.stopImmediatePropagation();  // not the inline reply
        if (button.value === "save") {
          saved = {body: null, title: null};  // save even if unchanged
          save(false);
        } else {
          request("DELETE", null, false).then(function (response) {
            if (!response.ok) { say(form.dataset.draftFailed); return; }
            if (title) { title.value = ""; }
            saved = {body: "", title: ""};  // what is gone on the server: nothing to save
            // emptied as an edit, so Ctrl+Z brings the text back (and saves it again)
            replaceRange(textarea, 0, textarea.value.length, "", 0, 0);
            discard.hidden = true;
            say(form.dataset.draftDiscarded);
            textarea.focus();
          }).catch(function () { say(form.dataset.draftFailed); });
        }
        return;
      }
      // posting: the server discards the draft with the post; nothing more is saved
      sending = true;
    }, true);

    return {
      posted: function () {  // an inline reply went through (its draft is gone)
        sending = false;
        saved = current();
        say("");
        if (discard) { discard.hidden = true; }
      },
      failed: function () { sending = false; }
    };
  }

  /* -- reply without reloading ----------------------------------------------------------- */

  function setUpInlineReply(form, textarea, drafts) {
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
          if (drafts) { drafts.failed(); }
          return;
        }
        appendPost(answer, form);
        textarea.value = "";
        textarea.dispatchEvent(new Event("input"));
        if (drafts) { drafts.posted(); }
      }).catch(function () {
        form.submit();  // the network failed: fall back to the plain form
      }).then(function () { button.disabled = false; });
    });
  }

  function appendPost(post, form) {
    var article = document.createElement("article");
    article.className = "post post-new";
    article.id = "post-" + post.number;
    article.dataset.postId = post.id;
    article.dataset.number = post.number;
    article.dataset.author = post.author.name;
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

  /* -- quoting a post into the reply box ------------------------------------------------- */

  function setUpQuotes(form, textarea) {
    var LINK = "article.post[data-post-id] .post-actions a[href*='quote=']";
    var picked = "";
    function selectedIn(article) {
      var selection = window.getSelection();
      if (!selection || selection.isCollapsed || !selection.rangeCount) { return ""; }
      var body = article.querySelector(".post-body");
      var range = selection.getRangeAt(0);
      if (!body || !body.contains(range.commonAncestorContainer)) { return ""; }
      return selection.toString().trim();
    }
    // delegated, so posts added later (a reply, further pages) quote the same way; a press
    // on the link may clear the selection: it is remembered first
    document.addEventListener("mousedown", function (event) {
      var link = event.target.closest && event.target.closest(LINK);
      picked = link ? selectedIn(link.closest("article.post")) : "";
    });
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest(LINK);
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
        return;
      }
      event.preventDefault();
      var article = link.closest("article.post");
      var part = picked || selectedIn(article);
      picked = "";
      fetch("/api/v1/posts/" + encodeURIComponent(article.dataset.postId),
            {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (post) {
          var text = part || post.body;
          var quote = "[quote post=" + post.id + " user=" + post.author.username + "]\n" +
            text.replace(/\s+$/, "") + "\n[/quote]\n\n";
          var end = textarea.value.length;
          var gap = end && !/\n\n$/.test(textarea.value) ?
            (/\n$/.test(textarea.value) ? "\n" : "\n\n") : "";
          replaceRange(textarea, end, end, gap + quote, gap.length + quote.length,
                       gap.length + quote.length);
          textarea.scrollIntoView({block: "center"});
          textarea.focus({preventScroll: true});
        })
        .catch(function () { window.location.href = link.href; });  // the reply page
    });
  }

  /* -- keyboard shortcuts ------------------------------------------------------------------ */

  var STORE_KEY = "forum.shortcuts";

  function stored() {
    try { return window.localStorage.getItem(STORE_KEY); } catch (e) { return null; }
  }

  function setUpShortcuts() {
    var root = document.getElementById("shortcuts");
    if (!root) { return; }
    var dialog = document.getElementById("shortcuts-dialog");
    var announcer = document.getElementById("shortcuts-announcer");
    var hint = root.querySelector(".shortcuts-hint");
    var toggle = document.getElementById("shortcuts-toggle");
    var member = root.dataset.member === "true";
    function enabled() {
      if (root.dataset.enabled !== "true") { return false; }
      return member || stored() !== "off";
    }
    function open() {
      if (toggle) { toggle.checked = enabled(); }
      if (dialog.showModal) { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    }
    if (hint) {
      hint.hidden = false;
      document.getElementById("shortcuts-open").addEventListener("click", open);
    }
    // (a button rather than <form method="dialog">, which the Nu HTML checker refuses)
    document.getElementById("shortcuts-close").addEventListener("click", function () {
      if (dialog.close) { dialog.close(); } else { dialog.removeAttribute("open"); }
    });
    if (toggle) {
      toggle.addEventListener("change", function () {
        try { window.localStorage.setItem(STORE_KEY, toggle.checked ? "on" : "off"); }
        catch (e) { /* private mode: they stay as they are */ }
      });
    }

    function say(text) {
      announcer.textContent = "";
      // a new node each time, so the same words are spoken again
      window.setTimeout(function () { announcer.textContent = text; }, 50);
    }
    function fill(template, values) {
      return template.replace(/\{(\w+)\}/g, function (all, name) {
        return values[name] !== undefined ? values[name] : all;
      });
    }
    function items() {
      var posts = document.querySelectorAll("main article.post");
      if (posts.length) { return {kind: "post", list: Array.prototype.slice.call(posts)}; }
      return {kind: "topic",
              list: Array.prototype.slice.call(document.querySelectorAll("main .listing-title"))};
    }
    var index = -1;
    function move(step) {
      var found = items();
      var list = found.list;
      if (!list.length) { return; }
      var active = document.activeElement;
      var at = list.findIndex(function (item) { return item === active || item.contains(active); });
      if (at < 0) { at = index < list.length ? index : -1; }
      var next = at < 0 ? (step > 0 ? 0 : list.length - 1)
        : Math.max(0, Math.min(list.length - 1, at + step));
      index = next;
      var item = list[next];
      if (found.kind === "post") {
        if (!item.hasAttribute("tabindex")) { item.setAttribute("tabindex", "-1"); }
        item.focus({preventScroll: true});
        item.scrollIntoView({block: "start"});
        var number = Number(item.dataset.number) || next + 1;
        say(fill(root.dataset.postMessage, {
          number: number, name: item.dataset.author || "",
          total: Math.max(Number(item.dataset.of) || list.length, number)}));
      } else {
        item.focus({preventScroll: true});
        item.scrollIntoView({block: "center"});
        say(fill(root.dataset.topicMessage, {number: next + 1, total: list.length,
                                             title: item.textContent.trim()}));
      }
    }
    function typing(target) {
      if (!target || !target.closest) { return false; }
      return !!target.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])");
    }

    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (typing(event.target) || (dialog && dialog.open) || !enabled()) { return; }
      var key = event.key;
      if (key === "j" || key === "k") {
        event.preventDefault();
        move(key === "j" ? 1 : -1);
      } else if (key === "r") {
        var reply = document.querySelector("#reply-form textarea");
        if (!reply) { return; }
        event.preventDefault();
        reply.scrollIntoView({block: "center"});
        reply.focus({preventScroll: true});
      } else if (key === "/") {
        event.preventDefault();
        var field = document.querySelector("main input[type=search], main input[name=q], " +
                                           "input[type=search], input[name=q]");
        if (field) { field.focus(); field.select(); }
        else { window.location.href = root.dataset.searchUrl; }
      } else if (key === "?") {
        event.preventDefault();
        open();
      }
    });
  }

  document.querySelectorAll("form[data-editor]").forEach(function (form) {
    var textarea = form.querySelector("textarea[name=body]");
    if (!textarea || !window.fetch) { return; }
    document.documentElement.classList.add("js");
    setUpPreview(form, textarea);
    setUpToolbar(form, textarea);
    setUpMentions(textarea);
    var drafts = setUpDrafts(form, textarea);
    if (form.dataset.similarLabel !== undefined) { setUpSimilar(form); }
    if (form.dataset.inlineReply !== undefined) { setUpInlineReply(form, textarea, drafts); }
    if (form.id === "reply-form") { setUpQuotes(form, textarea); }
  });
  setUpShortcuts();

  /* -- the browser's time zone ----------------------------------------------------------- */

  var browserZone = "";
  try { browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) {}
  if (browserZone) {
    document.querySelectorAll("input[type=hidden][name=time_zone]").forEach(function (field) {
      field.value = browserZone;
    });
    var zones = document.getElementById("time_zone");
    var hint = document.getElementById("browser-time-zone");
    var offered = zones && zones.querySelector("option[value='" + browserZone.replace(/'/g, "") + "']");
    if (hint && offered) {
      hint.textContent = hint.dataset.text.replace("{zone}", browserZone);
      hint.hidden = false;
      if (zones.dataset.chosen === "") { offered.selected = true; }
    }
  }
})();
