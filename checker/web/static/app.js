/* 委託チェッカー: small progressive enhancements. The pages work without this script:
   drag and drop, client-side size check, status filters, "show in text" scrolling. */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function humanSize(n) {
    if (n >= 1024 * 1024) return (n / 1024 / 1024).toFixed(1) + " MB";
    if (n >= 1024) return Math.round(n / 1024) + " KB";
    return n + " B";
  }

  var OK_SUFFIX = /\.(pdf|docx|txt|text)$/i;

  function setupUpload() {
    var form = document.getElementById("check-form");
    if (!form) return;
    var input = document.getElementById("files");
    var zone = document.getElementById("dropzone");
    var list = document.getElementById("file-list");
    var err = document.getElementById("client-error");
    var max = parseInt(form.getAttribute("data-max-upload"), 10) || 0;
    var maxLabel = form.getAttribute("data-max-upload-label");

    function render() {
      list.textContent = "";
      var total = 0;
      Array.prototype.forEach.call(input.files, function (f) {
        total += f.size;
        var li = document.createElement("li");
        li.textContent = f.name + "（" + humanSize(f.size) + "）";
        if (!OK_SUFFIX.test(f.name)) {
          li.className = "bad";
          li.textContent += " — この形式は読み込めません（PDF・DOCX・テキストのみ）。ほかのファイルはチェックします。";
        }
        list.appendChild(li);
      });
      if (max && total > max) {
        err.textContent = "選んだファイルの合計（" + humanSize(total) + "）が上限（" + maxLabel + "）を超えています。ファイルを分けてください。";
        err.hidden = false;
      } else {
        err.hidden = true;
      }
      return total;
    }

    input.addEventListener("change", render);
    ["dragenter", "dragover"].forEach(function (t) {
      zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      if (!e.dataTransfer || !e.dataTransfer.files.length) return;
      var dt = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (f) { dt.items.add(f); });
      Array.prototype.forEach.call(e.dataTransfer.files, function (f) { dt.items.add(f); });
      input.files = dt.files;
      render();
    });
    form.addEventListener("submit", function (e) {
      var total = render();
      if (max && total > max) { e.preventDefault(); return; }
      document.getElementById("busy").hidden = false;
      document.getElementById("submit").disabled = true;
    });
  }

  function setupFilters() {
    var box = document.getElementById("filters");
    if (!box) return;
    var inputs = box.querySelectorAll("input[type=checkbox]");
    function apply() {
      var show = {};
      Array.prototype.forEach.call(inputs, function (i) { show[i.value] = i.checked; });
      var visible = 0;
      document.querySelectorAll("#findings .finding").forEach(function (f) {
        var st = f.getAttribute("data-status");
        var ok = !!show[st] && (show.accepted || f.getAttribute("data-accepted") !== "yes");
        f.classList.toggle("hidden-by-filter", !ok);
        if (ok) visible++;
      });
      var none = document.getElementById("no-findings");
      if (none) none.hidden = visible > 0;
    }
    Array.prototype.forEach.call(inputs, function (i) { i.addEventListener("change", apply); });
    apply();
  }

  function flash(el) {
    el.classList.remove("flash");
    void el.offsetWidth; // restart the animation
    el.classList.add("flash");
  }

  function showTargets(ids) {
    var first = null;
    ids.forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) return;
      if (!first) first = el;
      flash(el);
    });
    if (first) first.scrollIntoView({ behavior: "smooth", block: "center" });
    return first;
  }

  function setupEvidenceLinks() {
    document.querySelectorAll("a.ev-link").forEach(function (a) {
      a.addEventListener("click", function (e) {
        e.preventDefault();
        document.querySelectorAll(".finding.current").forEach(function (f) { f.classList.remove("current"); });
        var card = a.closest(".finding");
        if (card) card.classList.add("current");
        var ids = (a.getAttribute("data-targets") || "").split(/\s+/).filter(Boolean);
        var el = showTargets(ids);
        if (el && history.replaceState) history.replaceState(null, "", "#" + el.id);
      });
    });
    // a highlighted sentence leads back to its finding
    document.querySelectorAll(".sent.cited").forEach(function (s) {
      s.addEventListener("click", function () {
        var ids = (s.getAttribute("data-findings") || "").split(/\s+/).filter(Boolean);
        var card = ids.length && document.getElementById(ids[0]);
        if (card) {
          document.querySelectorAll(".finding.current").forEach(function (f) { f.classList.remove("current"); });
          card.classList.add("current");
          card.scrollIntoView({ behavior: "smooth", block: "center" });
        }
      });
    });
  }

  onReady(function () {
    setupUpload();
    setupFilters();
    setupEvidenceLinks();
  });
})();
