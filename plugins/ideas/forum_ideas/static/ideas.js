/* Idea boards: similar ideas appear while a new idea's title is typed.
 *
 * The new-idea form works without this script (its first submit shows similar ideas and asks
 * to confirm); this only shows them earlier, from GET <data-similar-url>?title=... (the JSON
 * API). Plain browser JavaScript, no inline code, no build step.
 */
(function () {
  "use strict";

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, wait);
    };
  }

  function render(box, heading, items) {
    box.textContent = "";
    if (!items.length) {
      return;
    }
    var title = document.createElement("h2");
    title.textContent = heading;
    var list = document.createElement("ul");
    items.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title;
      li.appendChild(link);
      li.appendChild(document.createTextNode(" (" + item.status_label + ")"));
      list.appendChild(li);
    });
    box.appendChild(title);
    box.appendChild(list);
  }

  function setUp(form) {
    var input = form.querySelector("input[name=title]");
    var box = document.getElementById("idea-suggestions");
    var url = form.dataset.similarUrl;
    if (!input || !box || !url) {
      return;
    }
    var latest = 0;
    input.addEventListener("input", debounce(function () {
      var ticket = ++latest;
      var title = input.value.trim();
      if (title.length < 3) {
        render(box, "", []);
        return;
      }
      fetch(url + "?title=" + encodeURIComponent(title), {
        credentials: "same-origin", headers: {"Accept": "application/json"}
      }).then(function (response) {
        return response.ok ? response.json() : {items: []};
      }).then(function (data) {
        if (ticket === latest) {
          render(box, box.dataset.heading || "", data.items || []);
        }
      }).catch(function () { /* suggestions are optional */ });
    }, 300));
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("idea-form");
    if (form) {
      setUp(form);
    }
  });
}());
