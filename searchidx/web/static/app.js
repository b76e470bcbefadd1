// searchidx web: keyboard shortcuts and syntax feedback as you type. The pages work
// without it; it only adds. Text from the server is set with textContent, never as HTML.
"use strict";
(function () {
  const box = document.getElementById("q");
  const preview = document.getElementById("preview");
  const feedback = document.getElementById("feedback");

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (typing(event.target)) return;
    if (event.key === "/" && box) { event.preventDefault(); box.focus(); box.select(); return; }
    const rel = { n: "next", p: "prev" }[event.key];
    if (rel) {
      const link = document.querySelector('a[rel="' + rel + '"]');
      if (link) { event.preventDefault(); link.click(); }
    }
  });

  if (!box || !preview || !feedback || !window.fetch) return;
  let timer = null;
  let pending = null;

  function show(data) {
    preview.textContent = "";
    for (const token of data.tokens) {
      const span = document.createElement("span");
      span.className = "tok-" + token.kind;
      span.textContent = token.text;
      preview.appendChild(span);
    }
    feedback.textContent = "";
    const count = document.createElement("span");
    count.textContent = data.error ? data.error : data.total.toLocaleString() + " paragraph" + (data.total === 1 ? "" : "s") + " match";
    if (data.error) count.className = "warn";
    feedback.appendChild(count);
    for (const warning of data.warnings) {
      const line = document.createElement("div");
      line.className = "warn";
      line.textContent = warning;
      feedback.appendChild(line);
    }
  }

  function check() {
    const query = box.value;
    if (pending) pending.abort();
    if (!query.trim()) { preview.textContent = ""; feedback.textContent = ""; return; }
    pending = new AbortController();
    fetch("/api/check?q=" + encodeURIComponent(query), { signal: pending.signal })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && box.value === query) show(data); })
      .catch(function () {});
  }

  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 200);
  });
})();
