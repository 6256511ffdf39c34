/*
 * 连心 lianxin: the page script. No framework; runs after htmx.min.js. echarts.min.js is
 * fetched by the page script itself, only on a page (or after a swap) that has a chart.
 *
 * 1. CSRF: every htmx request carries the token from <meta name="csrf-token" content="…">
 *    as the header X-CSRF-Token. Plain forms carry it as a hidden field rendered by the server.
 * 2. Charts: <div class="chart" data-chart='{…echarts option JSON…}'> is rendered with
 *    echarts on load and after every htmx swap, and resized with the window.
 * 3. Confirmation: a click on a[data-confirm], button[data-confirm] or input[data-confirm]
 *    asks window.confirm(message) first; so does submitting a form[data-confirm].
 * 4. htmx swaps 422 responses (a form re-rendered with its errors) instead of dropping them.
 * 6. a[data-back] goes back in the history (the page's CSP allows no javascript: links);
 *    without a history it follows its href.
 */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  // ---- 1. CSRF header on htmx requests ----
  document.addEventListener("htmx:configRequest", function (evt) {
    var token = csrfToken();
    if (token && evt.detail && evt.detail.headers) {
      evt.detail.headers["X-CSRF-Token"] = token;
    }
  });

  // ---- 4. let htmx swap validation errors (422) into the page ----
  if (window.htmx && window.htmx.config && Array.isArray(window.htmx.config.responseHandling)) {
    var rh = window.htmx.config.responseHandling;
    var has422 = rh.some(function (r) {
      return r && r.code === "422";
    });
    if (!has422) {
      rh.unshift({ code: "422", swap: true, error: false });
    }
  }

  // ---- 2. charts ----
  function renderChart(el) {
    if (!window.echarts) return;
    var src = el.getAttribute("data-chart");
    if (!src) return;
    var existing = window.echarts.getInstanceByDom(el);
    if (existing && el.__lianxinChartSrc === src) return; // already drawn with this option
    var option;
    try {
      option = JSON.parse(src);
    } catch (e) {
      if (window.console) console.error("lianxin: bad data-chart JSON", el, e);
      return;
    }
    // The canvas draws with the page's font stack (CJK fonts that have ℃), not ECharts'
    // default sans-serif, which may lack it.
    if (!option.textStyle) {
      option.textStyle = { fontFamily: window.getComputedStyle(document.body).fontFamily };
    }
    var chart = existing || window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option, true);
    el.__lianxinChartSrc = src;
  }

  // ECharts (340 KB) is fetched only by a page that has a chart, once, then draws them all.
  var echartsLoading = false;
  function loadEcharts() {
    if (echartsLoading) return;
    echartsLoading = true;
    var s = document.createElement("script");
    s.src = "/assets/vendor/echarts.min.js";
    s.onload = function () {
      renderCharts(document);
    };
    s.onerror = function () {
      echartsLoading = false;
    };
    document.head.appendChild(s);
  }

  function renderCharts(root) {
    if (!window.echarts) {
      if (document.querySelector(".chart[data-chart]")) loadEcharts();
      return;
    }
    var scope = root && root.querySelectorAll ? root : document;
    if (scope !== document && scope.matches && scope.matches(".chart[data-chart]")) {
      renderChart(scope);
    }
    scope.querySelectorAll(".chart[data-chart]").forEach(renderChart);
  }

  function resizeCharts() {
    if (!window.echarts) return;
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      renderCharts(document);
    });
  } else {
    renderCharts(document);
  }

  // With an outerHTML swap the event target may be the old, detached node, so look
  // through the whole document: charts already drawn are skipped.
  document.addEventListener("htmx:afterSwap", function () {
    renderCharts(document);
  });

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    if (resizeTimer) clearTimeout(resizeTimer);
    resizeTimer = setTimeout(resizeCharts, 120);
  });

  // ---- 3. confirmations ----
  document.addEventListener(
    "click",
    function (evt) {
      var target = evt.target;
      if (!target || !target.closest) return;
      var el = target.closest("a[data-confirm], button[data-confirm], input[data-confirm]");
      if (!el) return;
      if (el.disabled) return;
      if (!window.confirm(el.getAttribute("data-confirm"))) {
        evt.preventDefault();
        evt.stopImmediatePropagation();
        return;
      }
      // confirmed: a form[data-confirm] around this button must not ask again
      el.__lianxinConfirmed = true;
    },
    true
  );

  document.addEventListener(
    "submit",
    function (evt) {
      var form = evt.target;
      if (!form || !form.matches || !form.matches("form[data-confirm]")) return;
      var submitter = evt.submitter;
      if (submitter && submitter.__lianxinConfirmed) {
        submitter.__lianxinConfirmed = false;
        return;
      }
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        evt.preventDefault();
        evt.stopImmediatePropagation();
      }
    },
    true
  );
})();

/* 5. Repeating rows: a button[data-add-row="#table tbody"] appends a copy of the last row, emptied. */
document.addEventListener("click", function (evt) {
  var btn = evt.target.closest && evt.target.closest("[data-add-row]");
  if (!btn) return;
  var body = document.querySelector(btn.getAttribute("data-add-row"));
  if (!body || !body.lastElementChild) return;
  var row = body.lastElementChild.cloneNode(true);
  row.querySelectorAll("input").forEach(function (i) { i.value = ""; });
  row.querySelectorAll("select").forEach(function (s) { s.selectedIndex = 0; });
  body.appendChild(row);
});

/* 6. Back links. */
document.addEventListener("click", function (evt) {
  var a = evt.target.closest && evt.target.closest("a[data-back]");
  if (!a || window.history.length < 2) return;
  evt.preventDefault();
  window.history.back();
});

/* 7. Lists (templates/list.html, pager.html): ticking rows enables the batch actions; an
 *    export (formmethod get) opens its address with ids=1,2,3 added, a post sends the ids
 *    with the CSRF field; select[data-autosubmit] (the page size) submits its form. Listeners
 *    sit on the document, so lists swapped in by htmx work the same. */
(function () {
  "use strict";
  function checked(root) {
    return Array.prototype.slice
      .call(root.querySelectorAll("input[data-row-check]:checked"))
      .map(function (c) { return c.value; });
  }
  function refresh(root) {
    var form = root.querySelector("form[data-batch]");
    if (!form) return;
    var ids = checked(root);
    form.querySelectorAll("[data-batch-action]").forEach(function (b) { b.disabled = ids.length === 0; });
    var count = form.querySelector("[data-batch-count]");
    if (count) {
      if (!count.__empty) count.__empty = count.textContent;
      count.textContent = ids.length
        ? (count.getAttribute("data-selected-text") || "{n}").replace("{n}", String(ids.length))
        : count.__empty;
    }
    var all = root.querySelector("input[data-check-all]");
    var boxes = root.querySelectorAll("input[data-row-check]");
    if (all) all.checked = boxes.length > 0 && ids.length === boxes.length;
  }
  function listRoot(el) {
    return (el.closest && el.closest("#list-body")) || document;
  }
  document.addEventListener("change", function (evt) {
    var t = evt.target;
    if (!t || !t.matches) return;
    if (t.matches("input[data-check-all]")) {
      var root = listRoot(t);
      root.querySelectorAll("input[data-row-check]").forEach(function (c) { c.checked = t.checked; });
      refresh(root);
    } else if (t.matches("input[data-row-check]")) {
      refresh(listRoot(t));
    } else if (t.matches("select[data-autosubmit]") && t.form) {
      // a new page size starts from the first page
      var page = t.form.querySelector("input[name=page]");
      if (page) page.value = "1";
      if (t.form.requestSubmit) t.form.requestSubmit(); else t.form.submit();
    }
  });
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form || !form.matches || !form.matches("form[data-batch]")) return;
    if (evt.defaultPrevented) return; // a refused confirmation
    var ids = checked(listRoot(form));
    if (!ids.length) { evt.preventDefault(); return; }
    var submitter = evt.submitter;
    var method = submitter ? (submitter.getAttribute("formmethod") || "post") : "post";
    var action = submitter ? submitter.getAttribute("formaction") || form.action : form.action;
    if (method.toLowerCase() === "get") {
      evt.preventDefault();
      window.location.href = action + (action.indexOf("?") >= 0 ? "&" : "?") + "ids=" + ids.join(",");
      return;
    }
    form.querySelector("input[name=ids]").value = ids.join(",");
  });
})();

/* 8. Menu groups fold and unfold (button[data-menu-toggle]); the folded ones are remembered in
 *    this browser; the group of the page shown never starts folded. */
(function () {
  "use strict";
  var KEY = "lianxin.menu.folded";
  function folded() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(list) {
    try { window.localStorage.setItem(KEY, JSON.stringify(list)); } catch (e) { /* private mode */ }
  }
  function apply() {
    var list = folded();
    document.querySelectorAll("button[data-menu-toggle]").forEach(function (b) {
      var group = b.parentElement;
      var fold = list.indexOf(b.textContent.trim()) >= 0 && !group.querySelector("a.active");
      group.classList.toggle("collapsed", fold);
      b.setAttribute("aria-expanded", fold ? "false" : "true");
    });
  }
  document.addEventListener("click", function (evt) {
    var b = evt.target.closest && evt.target.closest("button[data-menu-toggle]");
    if (!b) return;
    var group = b.parentElement;
    var fold = !group.classList.contains("collapsed");
    group.classList.toggle("collapsed", fold);
    b.setAttribute("aria-expanded", fold ? "false" : "true");
    var name = b.textContent.trim();
    var list = folded().filter(function (n) { return n !== name; });
    if (fold) list.push(name);
    save(list);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", apply);
  else apply();
})();

/* 9. A tree of checkboxes (div[data-check-tree], the role editor's menus and buttons): a
 *    group's box ticks or clears all of the group, and shows whether all, some or none are. */
(function () {
  "use strict";
  function boxes(group) {
    return Array.prototype.slice.call(group.querySelectorAll("input[type=checkbox][name]"));
  }
  function show(group) {
    var all = group.querySelector("input[data-check-all]");
    var list = boxes(group);
    var on = list.filter(function (b) { return b.checked; }).length;
    all.checked = list.length > 0 && on === list.length;
    all.indeterminate = on > 0 && on < list.length;
  }
  function groups() {
    return document.querySelectorAll("[data-check-tree] fieldset");
  }
  document.addEventListener("change", function (evt) {
    var t = evt.target;
    if (!t.closest || !t.closest("[data-check-tree]")) return;
    var group = t.closest("fieldset");
    if (t.hasAttribute("data-check-all")) {
      boxes(group).forEach(function (b) { b.checked = t.checked; });
    }
    show(group);
  });
  function init() { Array.prototype.forEach.call(groups(), show); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

/* 10. The unit tree beside a list (templates/unit_tree.html): each level is fetched from
 *    data-source?parent=ID when its node opens (the top with no parent); the search box asks
 *    data-source?q=TEXT and lists what it finds; a unit's link reloads the list with
 *    data-param=ID (the unit and below), and the tree opens itself at that unit
 *    (data-selected, its path from data-source?id=ID). A tree with one top unit shows its
 *    first level at once. On a phone it starts folded. */
(function () {
  "use strict";
  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      });
  }
  function hrefFor(box, id) {
    var u = new URL(window.location.href);
    var param = box.getAttribute("data-param");
    if (id === null) u.searchParams.delete(param); else u.searchParams.set(param, String(id));
    u.searchParams.delete("page");
    u.searchParams.delete("ids");
    return u.pathname + (u.searchParams.toString() ? "?" + u.searchParams.toString() : "");
  }
  function api(box, query) {
    return getJson(box.getAttribute("data-source") + "?" + query);
  }
  function failed(box) {
    note(box, box.getAttribute("data-failed"));
  }
  function note(box, text) {
    var n = box.querySelector("[data-tree-note]");
    if (!n) return;
    n.textContent = text || "";
    n.hidden = !text;
  }
  function nodeItem(box, n) {
    var li = document.createElement("li");
    li.setAttribute("role", "treeitem");
    li.setAttribute("data-id", String(n.id));
    var row = document.createElement("div");
    row.className = "tree-row";
    if (n.children > 0) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "tree-toggle";
      b.setAttribute("data-tree-toggle", "");
      b.setAttribute("aria-label", box.getAttribute("data-expand-label") + "：" + n.name);
      b.setAttribute("aria-expanded", "false");
      li.setAttribute("aria-expanded", "false");
      row.appendChild(b);
    } else {
      var pad = document.createElement("span");
      pad.className = "tree-leaf";
      row.appendChild(pad);
    }
    var a = document.createElement("a");
    a.href = hrefFor(box, n.id);
    a.textContent = n.name;
    a.title = n.kind_label;
    if (String(n.id) === box.getAttribute("data-selected")) {
      a.className = "active";
      a.setAttribute("aria-current", "true");
    }
    row.appendChild(a);
    if (n.children > 0) {
      var c = document.createElement("small");
      c.className = "count";
      c.textContent = String(n.children);
      row.appendChild(c);
    }
    li.appendChild(row);
    return li;
  }
  function fill(box, ul, items) {
    ul.textContent = "";
    items.forEach(function (n) { ul.appendChild(nodeItem(box, n)); });
  }
  // Opens `li` (fetching its children once); resolves when they are shown.
  function open(box, li) {
    var b = li.querySelector(":scope > .tree-row > [data-tree-toggle]");
    if (!b) return Promise.resolve();
    var ul = li.querySelector(":scope > ul");
    var shown = function () {
      ul.hidden = false;
      b.setAttribute("aria-expanded", "true");
      li.setAttribute("aria-expanded", "true");
    };
    if (ul) { shown(); return Promise.resolve(); }
    ul = document.createElement("ul");
    ul.setAttribute("role", "group");
    li.appendChild(ul);
    return api(box, "parent=" + encodeURIComponent(li.getAttribute("data-id")))
      .then(function (page) { fill(box, ul, page.items); shown(); })
      .catch(function () { ul.remove(); failed(box); });
  }
  function close(li) {
    var b = li.querySelector(":scope > .tree-row > [data-tree-toggle]");
    var ul = li.querySelector(":scope > ul");
    if (ul) ul.hidden = true;
    if (b) b.setAttribute("aria-expanded", "false");
    li.setAttribute("aria-expanded", "false");
  }
  function find(box, id) {
    return box.querySelector('[data-tree-root] li[data-id="' + String(id) + '"]');
  }
  // Opens the levels of `path` one after the other.
  function openPath(box, path) {
    return path.reduce(function (p, id) {
      return p.then(function () {
        var li = find(box, id);
        return li ? open(box, li) : null;
      });
    }, Promise.resolve());
  }
  function search(box, text) {
    var hits = box.querySelector("[data-tree-hits]");
    var root = box.querySelector("[data-tree-root]");
    var all = box.querySelector("[data-tree-all]");
    note(box, "");
    if (!text) {
      hits.hidden = true;
      hits.textContent = "";
      root.hidden = false;
      if (all) all.hidden = false;
      return;
    }
    api(box, "q=" + encodeURIComponent(text)).then(function (page) {
      if (box.querySelector("[data-tree-search]").value.trim() !== text) return; // typed on
      fill(box, hits, page.items);
      // A found unit opens the tree down to it when chosen; its own children stay closed.
      hits.querySelectorAll("[data-tree-toggle]").forEach(function (t) { t.remove(); });
      hits.hidden = false;
      root.hidden = true;
      if (all) all.hidden = true;
      if (page.total === 0) note(box, box.getAttribute("data-none"));
      else if (page.total > page.items.length) {
        note(box, box.getAttribute("data-more")
          .replace("{n}", String(page.total)).replace("{shown}", String(page.items.length)));
      }
    }).catch(function () { failed(box); });
  }
  function start(box) {
    if (box.__started) return;
    box.__started = true;
    if (window.matchMedia && window.matchMedia("(max-width: 768px)").matches) box.open = false;
    var all = box.querySelector("[data-tree-all]");
    if (all) all.href = hrefFor(box, null);
    var root = box.querySelector("[data-tree-root]");
    var selected = box.getAttribute("data-selected");
    api(box, "").then(function (page) {
      fill(box, root, page.items);
      // A tree with one top (the district) shows its first level at once.
      var only = page.items.length === 1 ? root.querySelector("li") : null;
      return (only ? open(box, only) : Promise.resolve()).then(function () { return page; });
    }).then(function () {
      if (!selected) return null;
      return api(box, "id=" + encodeURIComponent(selected)).then(function (one) {
        var n = one.items[0];
        return n ? openPath(box, n.path) : null;
      }, function () { return null; }); // a unit outside the scope: the tree as it is
    }).then(function () {
      var cur = root.querySelector("a.active");
      if (cur && cur.scrollIntoView && box.open) cur.scrollIntoView({ block: "nearest" });
      box.setAttribute("data-ready", "");
    }).catch(function () { failed(box); });
    var timer = null;
    var input = box.querySelector("[data-tree-search]");
    if (input) {
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { search(box, input.value.trim()); }, 250);
      });
      input.addEventListener("keydown", function (evt) {
        if (evt.key === "Enter") { evt.preventDefault(); clearTimeout(timer); search(box, input.value.trim()); }
      });
    }
  }
  document.addEventListener("click", function (evt) {
    // A unit's link keeps the list's other filters as they are now (htmx may have changed them).
    var a = evt.target.closest && evt.target.closest("[data-unit-tree] li[data-id] > .tree-row > a");
    if (a) {
      var tree = a.closest("[data-unit-tree]");
      a.href = hrefFor(tree, a.closest("li").getAttribute("data-id"));
      return;
    }
    var b = evt.target.closest && evt.target.closest("[data-unit-tree] [data-tree-toggle]");
    if (!b) return;
    var box = b.closest("[data-unit-tree]");
    var li = b.closest("li");
    if (b.getAttribute("aria-expanded") === "true") close(li); else open(box, li);
  });
  function startAll() {
    document.querySelectorAll("[data-unit-tree]").forEach(start);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startAll);
  else startAll();
})();

/* 11. Finding in long lists as one types: input[data-filter-rows="#box"] hides the rows
   ([data-filter-text]) of #box whose text does not contain what is typed (a row that is ticked
   stays); input[data-filter-options="#select"] does the same with a select's options (the
   chosen one stays). Nothing is sent: the form posts what is ticked or chosen. */
(function () {
  "use strict";
  function norm(s) { return (s || "").toLowerCase().replace(/\s+/g, ""); }
  document.addEventListener("input", function (evt) {
    var el = evt.target;
    if (!el.matches) return;
    var q = norm(el.value);
    if (el.matches("[data-filter-rows]")) {
      var box = document.querySelector(el.getAttribute("data-filter-rows"));
      if (!box) return;
      box.querySelectorAll("[data-filter-text]").forEach(function (row) {
        var ticked = row.querySelector("input[type=checkbox]:checked");
        row.hidden = !(ticked || q === "" || norm(row.getAttribute("data-filter-text")).indexOf(q) >= 0);
      });
    } else if (el.matches("[data-filter-options]")) {
      var sel = document.querySelector(el.getAttribute("data-filter-options"));
      if (!sel) return;
      Array.prototype.forEach.call(sel.options, function (o) {
        if (!o.value) return;
        o.hidden = !(o.selected || q === "" || norm(o.textContent).indexOf(q) >= 0);
      });
    }
  });
})();

/* 12. A form whose subject depends on a choice (the case form: a kind wants an enterprise, a
   unit or either): select[data-subject-select]'s chosen option names it (data-subject:
   enterprise, unit or any) and only the fields [data-subject-field] it wants are shown; the
   category list ([data-kind] groups) shows the chosen kind's. Without the script every field
   shows and the server says what is missing. */
(function () {
  "use strict";
  function apply(sel) {
    var form = sel.form || document;
    var opt = sel.options[sel.selectedIndex];
    var subject = opt ? opt.getAttribute("data-subject") || "any" : "any";
    form.querySelectorAll("[data-subject-field]").forEach(function (f) {
      var wanted = subject === "any" || f.getAttribute("data-subject-field") === subject;
      f.hidden = !wanted;
    });
    form.querySelectorAll("optgroup[data-kind]").forEach(function (g) {
      var mine = g.getAttribute("data-kind") === sel.value;
      g.hidden = !mine;
      g.disabled = !mine;
    });
  }
  document.addEventListener("change", function (evt) {
    if (evt.target.matches && evt.target.matches("select[data-subject-select]")) apply(evt.target);
  });
  function startAll() { document.querySelectorAll("select[data-subject-select]").forEach(apply); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startAll);
  else startAll();
})();
