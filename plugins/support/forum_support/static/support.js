/* Support: solved questions and knowledge base articles like the one being asked appear while
 * its title is typed.
 *
 * The ask form works without this script (its first submit shows them and asks to confirm);
 * this only shows them earlier, from GET <data-similar-url>?title=... (the JSON API). Plain
 * browser JavaScript, no inline code, no build step.
 */
(function () {
  "use strict";

  function show(box, items) {
    box.textContent = "";
    if (!items.length) {
      return;
    }
    var heading = document.createElement("h2");
    heading.textContent = box.dataset.heading || "";
    var list = document.createElement("ul");
    items.forEach(function (item) {
      var entry = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title;
      entry.appendChild(link);
      if (item.kind_label) {
        var kind = document.createElement("span");
        kind.className = "muted";
        kind.textContent = " (" + item.kind_label + ")";
        entry.appendChild(kind);
      }
      list.appendChild(entry);
    });
    box.appendChild(heading);
    box.appendChild(list);
  }

  function watch(form) {
    var input = form.querySelector("input[name=title]");
    var box = document.getElementById("support-suggestions");
    var url = form.dataset.similarUrl;
    if (!input || !box || !url || !window.fetch) {
      return;
    }
    var asked = 0;
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var ticket = ++asked;
        var title = input.value.trim();
        if (title.length < 3) {
          show(box, []);
          return;
        }
        fetch(url + "?title=" + encodeURIComponent(title), {
          credentials: "same-origin", headers: {"Accept": "application/json"}
        }).then(function (response) {
          return response.ok ? response.json() : {items: []};
        }).then(function (data) {
          if (ticket === asked) {
            show(box, data.items || []);
          }
        }).catch(function () { /* a hint only: the form still works */ });
      }, 300);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("support-ask-form");
    if (form) {
      watch(form);
    }
  });
}());
