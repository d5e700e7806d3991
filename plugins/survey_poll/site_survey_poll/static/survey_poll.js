/* survey_poll: vote without a reload, and fetch the form on shared-cache pages.
   Every page works without this script: the form posts normally and the
   links lead to the poll's own page. No HTML is built from strings here:
   the server renders (and escapes) the fragments this script inserts. */
(function () {
  "use strict";

  var FAILED = "Không gửi được bình chọn. Vui lòng thử lại.";
  var TOO_LARGE = "Dữ liệu gửi lên quá lớn.";
  var EXPIRED = "Phiên làm việc đã hết hạn. Vui lòng tải lại trang và thử lại.";

  function nodesOf(html) {
    var parsed = new DOMParser().parseFromString(html, "text/html");
    var fragment = document.createDocumentFragment();
    Array.prototype.forEach.call(parsed.body.childNodes, function (node) {
      fragment.appendChild(document.importNode(node, true));
    });
    return fragment;
  }

  function say(form, text) {
    var box = form.querySelector("[data-poll-message]");
    if (box) { box.textContent = text; }
  }

  function answerOf(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") === -1) {
      var text = response.status === 413 ? TOO_LARGE : response.status === 400 ? EXPIRED : FAILED;
      return Promise.resolve({ status: response.status, data: { message: text } });
    }
    return response.json().then(function (data) { return { status: response.status, data: data }; });
  }

  function submit(form) {
    var button = form.querySelector("[type=submit]");
    var body = new FormData(form);
    if (button) { button.disabled = true; }
    say(form, "Đang gửi…");
    fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": body.get("csrf_token") || "" }
    }).then(answerOf).then(function (answer) {
      if (answer.data.html) {
        var holder = form.parentNode;
        holder.replaceChild(nodesOf(answer.data.html), form);
        var message = holder.querySelector("[data-poll-message]");
        if (message) { message.setAttribute("tabindex", "-1"); message.focus(); }
        return;
      }
      say(form, answer.data.message || FAILED);
      if (button) { button.disabled = false; }
    }).catch(function () {
      say(form, FAILED);
      if (button) { button.disabled = false; }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-poll-form")) { return; }
    if (!window.fetch || !window.FormData || !window.DOMParser) { return; }  // plain POST
    event.preventDefault();
    submit(form);
  });

  function fillSlots() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-poll-fragment]"), function (slot) {
      fetch(slot.getAttribute("data-poll-fragment"), {
        credentials: "same-origin", headers: { "Accept": "text/html" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      }).then(function (html) {
        slot.textContent = "";
        slot.appendChild(nodesOf(html));
      }).catch(function () { /* keep the links: they work without the script */ });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fillSlots);
  } else {
    fillSlots();
  }
}());
