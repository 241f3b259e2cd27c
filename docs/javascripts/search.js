// lcdkb site search: the header's search box (overrides/partials/lcdkb-search.html) over the Pagefind index.
//
// Pagefind's pagefind.js is loaded from this site (never a CDN) the first time the box gets focus; it downloads
// only the index chunks a query needs. Before searching, the query is widened with search/aliases.json, written
// by lcdkb build from the catalogue: a family phrase ("ESI", "facet RF", "TPI") adds that family's codes, and a
// code-shaped word that is not a known code or policy ID adds the known ones one edit away ("6483" -> 64483).
// Results are a list of links; each goes to the best-matching section of its page (Pagefind's sub-results,
// which follow the headings' ids). Text from the index is written with textContent; excerpts keep only <mark>.
(function () {
  "use strict";

  const MAX_RESULTS = 8;
  const MAX_ALTERNATIVES = 8;
  const DEBOUNCE_MS = 120;
  const IDENTIFIER = /^[a-z]{0,3}-?\d{3,6}$/;
  const META_WEIGHTS = { title: 6, keywords: 8 };

  const widget = document.querySelector(".lcdkb-search");
  if (!widget) return;
  const input = widget.querySelector("#lcdkb-search-input");
  const panel = widget.querySelector("#lcdkb-search-results");
  const status = panel.querySelector(".lcdkb-search__status");
  const list = panel.querySelector(".lcdkb-search__list");
  const base = new URL((widget.dataset.base || ".").replace(/\/?$/, "/"), document.baseURI);
  widget.hidden = false;

  let engine = null; // Promise of {pagefind, aliases}
  let generation = 0; // the newest query; older answers are dropped
  let timer = null;
  let shown = null; // the query whose results the list holds

  function load() {
    if (!engine) {
      engine = (async () => {
        const pagefind = await import(new URL("pagefind/pagefind.js", base).href);
        await pagefind.options({
          baseUrl: base.pathname,
          excerptLength: 24,
          ranking: { metaWeights: META_WEIGHTS },
        });
        pagefind.init();
        let aliases = { phrases: {}, identifiers: [] };
        try {
          const answer = await fetch(new URL("search/aliases.json", base).href);
          if (answer.ok) aliases = await answer.json();
        } catch (problem) {
          // Without the table the search still works, only without near-miss help.
        }
        return { pagefind, aliases };
      })();
      engine.catch(() => {
        engine = null;
      });
    }
    return engine;
  }

  // ------------------------------------------------------------ the query, widened by the alias table

  function normal(query) {
    return query.toLowerCase().replace(/\s+/g, " ").trim();
  }

  function oneEditApart(a, b) {
    if (a === b || Math.abs(a.length - b.length) > 1) return false;
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
    if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1);
    if (a.length > b.length) return a.slice(i + 1) === b.slice(i);
    return a.slice(i) === b.slice(i + 1);
  }

  // [{query, reason}] to search besides the query itself, most likely first.
  function alternatives(query, aliases) {
    const text = normal(query);
    const found = [];
    const phrases = aliases.phrases || {};
    if (Object.prototype.hasOwnProperty.call(phrases, text)) {
      for (const code of phrases[text]) found.push({ query: code, reason: `${query.trim()} → ${code}` });
    }
    const known = (aliases.identifiers || []).map((id) => id.toLowerCase());
    const knownSet = new Set(known);
    const words = text.split(" ");
    words.forEach((word, position) => {
      if (!IDENTIFIER.test(word) || knownSet.has(word)) return;
      for (const candidate of known) {
        if (!oneEditApart(word, candidate)) continue;
        const replaced = words.slice();
        replaced[position] = candidate;
        found.push({ query: replaced.join(" "), reason: `${word} → ${candidate}` });
      }
    });
    const seen = new Set([text]);
    return found.filter((alt) => !seen.has(alt.query) && seen.add(alt.query)).slice(0, MAX_ALTERNATIVES);
  }

  // The results of the alternatives (round robin, so each alternative's best page comes early), then the
  // query's own, each page once.
  function merged(ownResults, alternativeResults) {
    const order = [];
    const depth = Math.max(0, ...alternativeResults.map((r) => r.length));
    for (let rank = 0; rank < depth; rank += 1) {
      for (const results of alternativeResults) if (rank < results.length) order.push(results[rank]);
    }
    order.push(...ownResults);
    const seen = new Set();
    return order.filter((result) => !seen.has(result.id) && seen.add(result.id));
  }

  async function search(query, mine) {
    const { pagefind, aliases } = await load();
    const alts = alternatives(query, aliases);
    const [own, ...others] = await Promise.all(
      [query, ...alts.map((alt) => alt.query)].map((q) => pagefind.search(q).then((s) => (s ? s.results : []))),
    );
    if (mine !== generation) return null;
    return { results: merged(own, others).slice(0, MAX_RESULTS), alts: alts.filter((alt, i) => others[i].length) };
  }

  // ------------------------------------------------------------ showing results

  // The excerpt as nodes: its text, with Pagefind's <mark> highlights kept and every other tag dropped.
  function excerptNodes(excerpt) {
    const parsed = new DOMParser().parseFromString(`<body>${excerpt || ""}</body>`, "text/html");
    const out = document.createDocumentFragment();
    for (const node of parsed.body.childNodes) {
      if (node.nodeType === Node.ELEMENT_NODE && node.nodeName === "MARK") {
        const mark = document.createElement("mark");
        mark.textContent = node.textContent;
        out.append(mark);
      } else {
        out.append(document.createTextNode(node.textContent));
      }
    }
    return out;
  }

  function score(sub) {
    return (sub.weighted_locations || []).reduce((sum, loc) => sum + (loc.balanced_score || 0), 0);
  }

  // How many of the query's words a section holds, counting the page's title as part of every section: for
  // "Novitas 64483" the 64483 section of a Novitas payer page holds both, its introduction only one.
  function covered(page, sub, words) {
    const text = `${(page.meta && page.meta.title) || ""} ${sub.title || ""} ${sub.excerpt || ""}`
      .replace(/<[^>]*>/g, " ")
      .toLowerCase();
    return words.filter((word) => text.includes(word)).length;
  }

  // The section of the page that matched best: a heading's sub-result when one holds the hits. Sections that
  // hold more of the query's words come first, then the ones with the higher score. The page's own heading (h1)
  // stands for the whole page: its link has no fragment.
  function bestSection(page, words) {
    const subs = page.sub_results || [];
    let best = null;
    let bestCovered = -1;
    for (const sub of subs) {
      const count = covered(page, sub, words);
      if (count > bestCovered || (count === bestCovered && score(sub) > score(best))) [best, bestCovered] = [sub, count];
    }
    if (!best) return { url: page.url, title: page.meta.title, excerpt: page.excerpt };
    if (best.anchor && best.anchor.element === "h1") return { ...best, url: page.url };
    return best;
  }

  function entry(page, query) {
    const section = bestSection(page, normal(query).split(" ").filter(Boolean));
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.className = "lcdkb-search-hit";
    link.href = section.url || page.url;
    const title = document.createElement("span");
    title.className = "lcdkb-search-hit__title";
    title.textContent = (page.meta && page.meta.title) || page.url;
    link.append(title);
    if (section.title && section.title !== title.textContent) {
      const where = document.createElement("span");
      where.className = "lcdkb-search-hit__section";
      where.textContent = section.title;
      link.append(where);
    }
    const excerpt = document.createElement("span");
    excerpt.className = "lcdkb-search-hit__excerpt";
    excerpt.append(excerptNodes(section.excerpt || page.excerpt));
    link.append(excerpt);
    item.append(link);
    return item;
  }

  function open() {
    panel.hidden = false;
  }

  function close() {
    panel.hidden = true;
  }

  // The first result is shown as soon as its page data has come, before the others are asked for: the browser
  // downloads one page fragment before the first result, the rest after.
  async function show(query, answer, mine) {
    const count = answer.results.length;
    let text = count ? `${count} result${count === 1 ? "" : "s"} for “${query}”` : `No results for “${query}”`;
    if (answer.alts.length) text += ` (also searched: ${answer.alts.map((alt) => alt.reason).join(", ")})`;
    panel.setAttribute("aria-busy", "true");
    const first = count ? await answer.results[0].data() : null;
    if (mine !== generation) return;
    list.replaceChildren(...(first ? [entry(first, query)] : []));
    status.textContent = `${text}.`;
    shown = query;
    open();
    const rest = await Promise.all(answer.results.slice(1).map((result) => result.data()));
    if (mine !== generation) return;
    list.append(...rest.map((page) => entry(page, query)));
    panel.setAttribute("aria-busy", "false");
  }

  async function run() {
    const query = input.value.trim();
    const mine = ++generation;
    if (!query) {
      shown = null;
      list.replaceChildren();
      status.textContent = "";
      close();
      return;
    }
    try {
      const answer = await search(query, mine);
      if (answer && mine === generation) await show(query, answer, mine);
    } catch (problem) {
      if (mine !== generation) return;
      list.replaceChildren();
      status.textContent = "Search could not load. Reload the page to try again.";
      open();
    }
  }

  // ------------------------------------------------------------ keyboard and pointer

  function links() {
    return Array.from(list.querySelectorAll("a.lcdkb-search-hit"));
  }

  input.addEventListener("focus", () => {
    load().catch(() => {});
  });
  input.addEventListener("click", () => {
    if (input.value.trim() && shown === input.value.trim()) open();
  });
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, DEBOUNCE_MS);
    if (input.value.trim()) {
      load()
        .then(({ pagefind }) => pagefind.preload(input.value.trim()))
        .catch(() => {});
    }
  });
  input.addEventListener("keydown", (event) => {
    const found = links();
    if (event.key === "ArrowDown" && found.length) {
      event.preventDefault();
      open();
      found[0].focus();
    } else if (event.key === "Enter") {
      event.preventDefault();
      clearTimeout(timer);
      const ready = shown === input.value.trim() ? Promise.resolve() : run();
      ready.then(() => {
        const first = links()[0];
        if (first) first.click();
      });
    } else if (event.key === "Escape") {
      event.preventDefault();
      if (panel.hidden) input.value = "";
      close();
    }
  });
  list.addEventListener("keydown", (event) => {
    const found = links();
    const at = found.indexOf(document.activeElement);
    if (at === -1) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      found[Math.min(at + 1, found.length - 1)].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (at === 0 ? input : found[at - 1]).focus();
    } else if (event.key === "Home") {
      event.preventDefault();
      found[0].focus();
    } else if (event.key === "End") {
      event.preventDefault();
      found[found.length - 1].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
      input.focus();
    }
  });
  widget.addEventListener("focusout", (event) => {
    if (!event.relatedTarget || !widget.contains(event.relatedTarget)) close();
  });
  document.addEventListener("pointerdown", (event) => {
    if (!widget.contains(event.target)) close();
  });
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      input.focus();
    }
  });
})();
