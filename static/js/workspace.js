// Progressive enhancement for the workspace forms; every form works without this file.
(function () {
  "use strict";

  // Language tabs: each language's fieldset becomes a tab panel (WAI-ARIA tabs pattern,
  // automatic activation). The first tab with an error is shown first.
  function enhanceTabs(container) {
    var panels = Array.prototype.slice.call(container.querySelectorAll(":scope > [data-language-panel]"));
    if (panels.length < 2) { return; }
    var list = document.createElement("div");
    list.className = "tab-list";
    list.setAttribute("role", "tablist");
    list.setAttribute("aria-label", container.getAttribute("data-label") || "");
    var tabs = panels.map(function (panel) {
      var legend = panel.querySelector("legend");
      var tab = document.createElement("button");
      tab.type = "button";
      tab.id = panel.id + "-tab";
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", panel.id);
      Array.prototype.forEach.call(legend.childNodes, function (node) { tab.appendChild(node.cloneNode(true)); });
      if (panel.hasAttribute("data-has-errors")) { tab.classList.add("has-errors"); }
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tab.id);
      panel.tabIndex = -1;
      list.appendChild(tab);
      return tab;
    });

    function select(index, focus) {
      tabs.forEach(function (tab, i) {
        var selected = i === index;
        tab.setAttribute("aria-selected", selected ? "true" : "false");
        tab.tabIndex = selected ? 0 : -1;
        panels[i].hidden = !selected;
      });
      if (focus) { tabs[index].focus(); }
    }

    // The tab of the UI language that is also the original takes no translation: hidden.
    function hideOriginalLanguageTab(code) {
      var current = tabs.findIndex(function (tab) { return tab.getAttribute("aria-selected") === "true"; });
      tabs.forEach(function (tab, i) {
        tab.hidden = panels[i].getAttribute("data-language-code") === code;
      });
      if (current !== -1 && tabs[current].hidden) { select(0, false); }
    }

    tabs.forEach(function (tab, index) {
      tab.addEventListener("click", function () { select(index, false); });
      tab.addEventListener("keydown", function (event) {
        var shown = tabs.filter(function (candidate) { return !candidate.hidden; });
        var position = shown.indexOf(tab);
        var rtl = getComputedStyle(list).direction === "rtl";
        var next = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1 }[event.key];
        var target = null;
        if (next) { target = shown[(position + next + shown.length) % shown.length]; }
        if (event.key === "Home") { target = shown[0]; }
        if (event.key === "End") { target = shown[shown.length - 1]; }
        if (target) {
          event.preventDefault();
          select(tabs.indexOf(target), true);
        }
      });
    });
    container.hideOriginalLanguageTab = hideOriginalLanguageTab;

    container.insertBefore(list, panels[0]);
    container.classList.add("is-enhanced");
    var withErrors = panels.findIndex(function (panel) { return panel.hasAttribute("data-has-errors"); });
    select(withErrors === -1 ? 0 : withErrors, false);
    var originalSelect = document.getElementById("id_original_language");
    if (originalSelect) { hideOriginalLanguageTab(originalSelect.value); }
  }

  // The original text is typed in the original language: follow the select at once.
  function followOriginalLanguage(select) {
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      if (!option) { return; }
      var direction = option.getAttribute("data-direction") || "ltr";
      document.querySelectorAll("[data-original-text], [data-original-name]").forEach(function (element) {
        element.setAttribute("lang", option.value);
        element.setAttribute("dir", direction);
        if (element.hasAttribute("data-original-name")) {
          element.textContent = option.getAttribute("data-autonym") || option.textContent;
        }
      });
      document.querySelectorAll("[data-language-tabs]").forEach(function (container) {
        if (container.hideOriginalLanguageTab) { container.hideOriginalLanguageTab(option.value); }
      });
    });
  }

  document.querySelectorAll("[data-language-tabs]").forEach(enhanceTabs);
  var original = document.getElementById("id_original_language");
  if (original) { followOriginalLanguage(original); }
})();
