/* sco-kg query page: the YASGUI SPARQL editor (Yasqe, vendored in static/yasgui/) over the plain form.
   Without JavaScript the page is the same form with a textarea; with it, the textarea becomes the editor
   (highlighting, syntax check, prefix folding, local autocompletion) and the form still submits by GET, so
   every result has a shareable URL. Nothing here touches the network: no prefix.cc, no LOV, no storage. */
(function () {
  "use strict";
  var form = document.querySelector("form.run");
  var area = form && form.querySelector("textarea[name=query]");
  var Yasqe = window.Yasqe || (window.Yasgui && window.Yasgui.Yasqe);
  if (!form || !area || !Yasqe) return;
  var holder = document.createElement("div");
  holder.id = "editor";
  area.parentNode.insertBefore(holder, area);
  area.hidden = true;
  function submit() {
    area.value = yasqe.getValue();
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  }
  var yasqe = new Yasqe(holder, {
    value: area.value,
    persistenceId: null,
    showQueryButton: false,
    resizeable: true,
    editorHeight: "22rem",
    autocompleters: ["variables"],
    prefixCcApi: "",
    createShareableLink: null,
    createShortLink: null,
    consumeShareLink: null,
    collapsePrefixesOnLoad: area.dataset.fold === "1",
    extraKeys: {
      "Ctrl-Enter": submit,
      "Cmd-Enter": submit,
      "Ctrl-Space": function (cm) { cm.autocomplete(); },
      "Shift-Ctrl-F": function (cm) { cm.autoformat(); },
      "Ctrl-/": function (cm) { cm.commentLines(); }
    }
  });
  var original = area.value;
  form.addEventListener("submit", function () {
    area.value = yasqe.getValue();
    // A canned query run as it came needs no text in its URL: name and parameters say it all.
    area.disabled = Boolean(form.querySelector("input[name=name]")) && area.value === original;
  });
  document.documentElement.classList.add("editor-ready");
})();
