/* Likes on posts: the heart on each post toggles in place.
 *
 * Without JavaScript the heart is a plain form (POST /p/<id>/like with the CSRF token) that
 * comes back to the post. With it, the same like goes through the JSON API
 * (POST or DELETE /api/v1/posts/<id>/like, with the form's CSRF token), the button's
 * aria-pressed and the count follow the server's answer, and a status line tells assistive
 * technology what changed. Texts come translated from the form's data-* attributes.
 */
(function () {
  "use strict";

  var forms = document.querySelectorAll("form.like-form");
  if (!forms.length || !window.fetch) { return; }

  var status = document.createElement("p");
  status.className = "visually-hidden like-status";
  status.setAttribute("role", "status");
  document.body.appendChild(status);

  function announce(text) {
    status.textContent = "";
    // a new text in a status region is read; the same text twice is not, hence the pause
    setTimeout(function () { status.textContent = text; }, 50);
  }

  function refuse(form, text) {
    var box = form.parentNode;
    var note = box.querySelector(".like-error");
    if (!note) {
      note = document.createElement("span");
      note.className = "like-error";
      note.setAttribute("role", "alert");
      box.appendChild(note);
    }
    note.textContent = text;
  }

  function show(form, answer) {
    var old = form.parentNode.querySelector(".like-error");
    if (old) { old.parentNode.removeChild(old); }
    var box = form.parentNode;
    var button = form.querySelector(".like-button");
    var action = form.querySelector("input[name=action]");
    var count = box.querySelector(".like-count");
    var number = count ? count.querySelector(".like-number") : null;
    button.setAttribute("aria-pressed", answer.liked ? "true" : "false");
    action.value = answer.liked ? "unlike" : "like";
    if (number) {
      number.textContent = String(answer.like_count);
      count.hidden = answer.like_count === 0;
    }
    var label = count ? count.querySelector(".visually-hidden") : null;
    var said = answer.liked ? form.dataset.likedText : form.dataset.unlikedText;
    announce((said || "") + " " + (label ? label.textContent + " " : "") + answer.like_count);
  }

  forms.forEach(function (form) {
    var button = form.querySelector(".like-button");
    var csrf = form.querySelector("input[name=csrf_token]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (button.getAttribute("aria-busy") === "true") { return; }  // one change at a time
      var liking = form.querySelector("input[name=action]").value === "like";
      button.setAttribute("aria-busy", "true");
      fetch("/api/v1/posts/" + encodeURIComponent(form.dataset.postId) + "/like", {
        method: liking ? "POST" : "DELETE",
        credentials: "same-origin",
        headers: {"Accept": "application/json", "X-CSRF-Token": csrf ? csrf.value : ""}
      }).then(function (response) {
        return response.json().then(function (answer) { return [response.ok, answer]; });
      }).then(function (result) {
        if (result[0]) {
          show(form, result[1]);
        } else {
          refuse(form, result[1].detail || result[1].title || "");
        }
      }).catch(function () {
        form.submit();  // the network failed: the plain form still works
      }).then(function () { button.removeAttribute("aria-busy"); });
    });
  });
})();
