"""Every generated page as Markdown: relative path -> text. Pure functions of the model, no MkDocs needed."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable

from lcdkb import phrases
from lcdkb.model import Payer, Rule
from lcdkb.site import facts
from lcdkb.site.cheatsheet import payer_sheet_path, sheet_pages, state_sheet_path
from lcdkb.site.dashboard import review_page
from lcdkb.site.markup import (
    UNINDEXED,
    anchors,
    attribute,
    badge,
    data_attributes,
    external_link,
    front_matter,
    heading,
    html_link,
    html_table,
    link,
    raw_block,
    table,
    text,
)
from lcdkb.site.medicare import code_by_state, state_answers
from lcdkb.site.rule_view import (
    SUMMARY_HEADER,
    View,
    group_name,
    policy_ids,
    rule_block,
    short_name,
    source_details,
    summary_cells,
    where,
)

FAMILY_NAMES = {
    "epidural-interlaminar": "Interlaminar / caudal epidural injections",
    "epidural-transforaminal": "Transforaminal epidural injections",
    "facet-injection": "Facet joint and medial branch blocks",
    "facet-rf-ablation": "Facet radiofrequency ablation",
    "trigger-point": "Trigger point injections",
    "chronic-pain-management": "Chronic pain management",
    "imaging-guidance": "Imaging guidance",
    "other": "Other",
}
KIND_NAMES = {
    "medicare-national": "Medicare, national rules",
    "medicare-mac": "Medicare contractors (MACs)",
    "commercial": "Commercial payers",
    "medicare-advantage": "Medicare Advantage",
}
KIND_ORDER = ("medicare-national", "medicare-mac", "commercial", "medicare-advantage")


def all_pages(view: View) -> dict[str, str]:
    return {path: text for part in page_parts(view) for path, text in part().items()}


def page_parts(view: View) -> list[Callable[[], dict[str, str]]]:
    """The generated pages in two parts of about the same cost, which ``lcdkb build`` writes from two processes:
    the index pages, diagnosis pages and cheat sheets; then the code, payer and state pages."""

    def listings() -> dict[str, str]:
        return {
            "index.md": home_page(view),
            "codes/index.md": codes_index(view),
            "payers/index.md": payers_index(view),
            "states/index.md": states_index(view),
            "review.md": review_page(view),
            "downloads.md": downloads_page(view),
            **diagnosis_pages(view),
            **sheet_pages(view),
        }

    def entities() -> dict[str, str]:
        pages = {f"codes/{code}.md": code_page(view, code) for code in key_codes(view)}
        pages.update((f"payers/{payer.id}.md", payer_page(view, payer)) for payer in view.kb.payers.values())
        pages.update((f"states/{state.lower()}.md", state_page(view, state)) for state in view.kb.states)
        return pages

    return [listings, entities]


def key_codes(view: View) -> list[str]:
    return sorted(c for c, e in view.kb.codes.items() if e["scope"] == "key")


def code_title(view: View, code: str) -> str:
    return f"{code}: {view.kb.codes[code]['label']}"


def _payers_sorted(payers) -> list[Payer]:
    return sorted(payers, key=lambda p: (KIND_ORDER.index(p.kind), p.name))


# ---------------------------------------------------------------- code pages


def rule_groups(view: View, rules: list[Rule]) -> list[tuple[list[Payer], Rule]]:
    """Identical Medicare contractor rules (same facts, sources and review) share one entry."""
    groups: dict[str, tuple[list[Payer], Rule]] = {}
    for rule in rules:
        payer = view.kb.payers[rule.payer_id]
        key = (
            rule.id
            if payer.kind != "medicare-mac"
            else json.dumps(
                [rule.facts, [s.__dict__ for s in rule.sources], rule.last_reviewed, rule.review_interval_days],
                sort_keys=True,
                default=str,
            )
        )
        groups.setdefault(key, ([], rule))[0].append(payer)
    return sorted(groups.values(), key=lambda g: (KIND_ORDER.index(g[0][0].kind), short_name(view.kb, g[0][0])))


# A code page writes every payer's full rule below its summary table, up to this many payers (or groups of
# identical Medicare rules); past it, the page would pass 1 MB, so each row links to the rule on its payer's page.
MAX_INLINE_RULES = 100


def code_page(view: View, code: str) -> str:
    entry = view.kb.codes[code]
    rules = view.kb.rules_for(code)
    title = code_title(view, code)
    lines = [front_matter(title, f"Payer rules for {code}: {entry['label']}", boost=2, wide=True), f"# {text(title)}\n"]
    aka = [f"{entry['system']} {code}", FAMILY_NAMES.get(entry["family"], entry["family"])]
    if entry.get("add_on_of"):
        aka.append("add-on code, billed with " + " or ".join(entry["add_on_of"]))
    add_ons = sorted(c for c, e in view.kb.codes.items() if code in e.get("add_on_of", []))
    if add_ons:
        aka.append("add-on codes: " + ", ".join(add_ons))
    lines.append("**Also known as:** " + text(" · ".join(aka)) + "\n")
    if entry.get("descriptor"):
        lines.append(f"**HCPCS descriptor (CMS):** {text(entry['descriptor'])}\n")
    if not rules:
        lines.append("No payer rules are recorded for this code yet.\n")
        return "\n".join(lines)
    groups = rule_groups(view, rules)
    inline = len(groups) <= MAX_INLINE_RULES
    lines.append(
        ("1 payer has" if len(rules) == 1 else f"{len(rules)} payers have")
        + f" a rule for {code}. Identical Medicare contractor rules are grouped. "
        + (
            "Pick a payer for the full rule, its sources and the documentation checklist.\n"
            if inline
            else f"With more than {MAX_INLINE_RULES} of them, each full rule (sources, documentation checklist) "
            "is on its payer's page: pick a payer to open it.\n"
        )
    )
    lines.append(picker(view, groups))
    rows, row_data = [], []
    for payers, rule in groups:
        target = "#" + payers[0].id if inline else f"../payers/{payers[0].id}.md#{code.lower()}"
        who = (
            ("" if inline else anchors([p.id for p in payers]))
            + html_link(group_name(view.kb, payers), target)
            + f"<br><small>{text('; '.join(where(p) for p in payers))}</small>"
        )
        rows.append([who, policy_ids(rule)] + summary_cells(view, rule))
        row_data.append(
            {
                "payers": " ".join(p.id for p in payers),
                "kind": payers[0].kind,
                "states": " ".join(sorted({s for p in payers for s in view.payer_states[p.id]})),
            }
        )
    lines.append(
        html_table(
            ["Payer", "Policy"] + SUMMARY_HEADER, rows, css="lcdkb-wide lcdkb-cards lcdkb-pickable", row_data=row_data
        )
    )
    by_state = code_by_state(view, code)
    if by_state:
        lines.append("\n" + by_state)
    if not inline:  # the payers' anchors (#aetna) are on their rows above
        return "\n".join(lines)
    lines.append("\n## Rules by payer\n")
    for payers, rule in groups:
        if len(payers) > 1:  # the other contractors of the group: their links (#medicare-j8) land here too
            lines.append(anchors([p.id for p in payers[1:]]) + "\n")
        lines.append(heading(3, text(group_name(view.kb, payers)), anchor=payers[0].id))
        lines.append(rule_block(view, rule, applies_to=payers, indexed=False))
    return "\n".join(lines)


def picker(view: View, groups: list[tuple[list[Payer], Rule]]) -> str:
    """The "my state, my payer" picker of a code page (docs/javascripts/picker.js brings it to life; without
    script it stays hidden). The choices are data: escaped here, read by the script only as text."""
    states = "".join(
        f'<option value="{attribute(name + " (" + code + ")")}"{data_attributes({"state": code})}></option>'
        for name, code in sorted((entry["name"], code) for code, entry in view.kb.states.items())
    )
    payers = "".join(
        f'<option value="{attribute(short_name(view.kb, p))}" label="{attribute(p.name)}"'
        f"{data_attributes({'payer': p.id})}></option>"
        for p in _payers_sorted(p for members, _ in groups for p in members)
    )
    return raw_block(
        '<div class="lcdkb-picker" data-pagefind-ignore hidden>\n'
        '<p class="lcdkb-picker-fields"><label for="lcdkb-pick-state">Your state</label> '
        '<input type="search" id="lcdkb-pick-state" list="lcdkb-state-names" autocomplete="off" '
        'placeholder="Texas or TX" aria-describedby="lcdkb-pick-help"> '
        '<label for="lcdkb-pick-payer">Your payer</label> '
        '<input type="search" id="lcdkb-pick-payer" list="lcdkb-payer-names" autocomplete="off" '
        'placeholder="Aetna or Novitas JH" aria-describedby="lcdkb-pick-help"></p>\n'
        '<p id="lcdkb-pick-help" class="lcdkb-picker-help">Type a state (full name or two letters) and a payer: '
        "your state's Medicare answer comes first, then your payer and the payers that operate there. "
        "This browser remembers them.</p>\n"
        f'<datalist id="lcdkb-state-names">{states}</datalist>\n'
        f'<datalist id="lcdkb-payer-names">{payers}</datalist>\n'
        '<div class="lcdkb-picked" aria-live="polite"></div>\n'
        "</div>\n"
    )


# ---------------------------------------------------------------- payer pages


def payer_page(view: View, payer: Payer) -> str:
    kb = view.kb
    rules = kb.rules_for(payer_id=payer.id)
    description = f"{payer.name}: coverage rules for interventional pain codes"
    lines = [front_matter(payer.name, description, boost=2, wide=True), f"# {text(payer.name)}\n"]
    aka = list(payer.aliases)
    if payer.jurisdiction:
        aka.append(f"Medicare jurisdiction {payer.jurisdiction}")
        contractor = kb.jurisdictions[payer.jurisdiction]
        aka.append(contractor["contractor"])
    lines.append("**Also known as:** " + text(" · ".join(aka) or payer.id) + "\n")
    lines.append(f"**Kind:** {text(KIND_NAMES[payer.kind])} · **Where:** " + _states_text(view, payer) + "\n")
    if payer.website:
        lines.append(f"**Website:** {external_link(payer.website, payer.website)}\n")
    if payer.notes:
        lines.append(f"**Notes:** {text(payer.notes)}\n")
    if payer.kind == "medicare-mac" and "medicare-national" in kb.payers:
        lines.append(
            "National Medicare rules (hospital outpatient prior authorization, NCCI edits, G3002/G3003) "
            "also apply: see " + link("Medicare, national rules", "medicare-national.md") + ".\n"
        )
    lines.append("## Cheat sheet\n")
    lines.append(
        "Every code at a glance; "
        + link("Printable cheat sheet", "../" + payer_sheet_path(payer.id))
        + " (one or two pages, with its sources as footnotes).\n"
    )
    rows = [
        [html_link(r.code, f"#{r.code.lower()}"), text(kb.codes[r.code]["label"])] + summary_cells(view, r)
        for r in rules
    ]
    lines.append(html_table(["Code", "What"] + SUMMARY_HEADER, rows, css="lcdkb-wide lcdkb-cards", indexed=False))
    lines.append("\n## Documents\n")
    for source in payer.sources:
        lines.append(heading(3, f"{text(source.id)}: {text(source.title or source.type)}"))
        details = [source.type, f"checked {source.checked}"]
        if source.effective_date:
            details.insert(1, f"effective {source.effective_date}")
        place = external_link("open", source.url) if source.url else text(source.locator or "")
        lines.append(f"{text(' · '.join(details))} {badge(source.confidence)} · {place}\n")
        lines.append(source_details([source]) + "\n")
    lines.append("## Rules by code\n")
    for rule in rules:
        lines.append(heading(3, f"{text(rule.code)}: {text(kb.codes[rule.code]['label'])}", anchor=rule.code.lower()))
        lines.append("See all payers for " + link(rule.code, f"../codes/{rule.code}.md") + ".\n")
        lines.append(rule_block(view, rule))
    return "\n".join(lines)


def _states_text(view: View, payer: Payer) -> str:
    if payer.kind == "medicare-national":
        return "every state and territory"
    if not payer.states:
        return "nationwide"
    names = [view.kb.states[s]["name"] + f" ({s})" for s in payer.states]
    extra = [
        f"part of {view.kb.states[e['state']]['name']}: {', '.join(e['areas'])} (Part {'/'.join(e['parts'])})"
        for e in (view.kb.jurisdictions[payer.jurisdiction].get("exceptions", []) if payer.jurisdiction else [])
    ]
    return text(", ".join(names + extra))


# ---------------------------------------------------------------- state pages


def state_page(view: View, state: str) -> str:
    kb = view.kb
    entry = kb.states[state]
    title = f"{entry['name']} ({state})"
    lines = [front_matter(title, f"Which payer rules apply in {entry['name']}", wide=True), f"# {text(title)}\n"]
    jurisdictions = kb.jurisdictions_for_state(state)
    payers = _payers_sorted(kb.payers_in_state(state))
    macs = [p for p in payers if p.kind == "medicare-mac"]
    if jurisdictions:
        main = kb.jurisdictions[jurisdictions[0]]
        lines.append(f"**Medicare (A/B):** Jurisdiction {main['id']}, {text(main['contractor'].rstrip('.'))}.\n")
        for other in jurisdictions[1:]:
            for exception in kb.jurisdictions[other].get("exceptions", []):
                if exception["state"] == state:
                    lines.append(
                        f"**Exception:** Part {'/'.join(exception['parts'])} claims from "
                        f"{text(', '.join(exception['areas']))} go to Jurisdiction {other} "
                        f"({text(kb.jurisdictions[other]['contractor'].rstrip('.'))}).\n"
                    )
    lines.append(
        link("Printable cheat sheet", "../" + state_sheet_path(state))
        + f": every payer's rules for the key codes in {text(entry['name'])}.\n"
    )
    lead = state_answers(view, state, key_codes(view))
    if lead:
        lines.append(lead)
    lines.append("## Payers with rules here\n")
    rows = [
        [
            html_link(p.name, f"../payers/{p.id}.md"),
            text(KIND_NAMES[p.kind]),
            text(where(p)),
            str(len(kb.rules_for(payer_id=p.id))),
        ]
        for p in payers
    ]
    lines.append(html_table(["Payer", "Kind", "Where", "Rules"], rows))
    if macs:
        lines.append("\n## Medicare contractor rules at a glance\n")
        for mac in macs:
            lines.append(f"### {text(mac.name)}\n")
            rows = [
                [
                    html_link(r.code, f"../codes/{r.code}.md"),
                    text(kb.codes[r.code]["label"]),
                    facts.or_not_recorded(facts.coverage(r)),
                    facts.prior_auth_answer(r, view.today, state),
                    facts.or_not_recorded(facts.frequency(r)),
                    facts.or_not_recorded(facts.levels(r)),
                    badge(r.confidence),
                ]
                for r in kb.rules_for(payer_id=mac.id)
            ]
            lines.append(
                html_table(
                    ["Code", "What", "Coverage", "Prior auth", "Frequency", "Per session", "Confidence"],
                    rows,
                    css="lcdkb-wide lcdkb-cards",
                )
            )
            lines.append("\nFull rules, sources and checklists: " + link(mac.name, f"../payers/{mac.id}.md") + ".\n")
    return "\n".join(lines)


# ---------------------------------------------------------------- indexes


def home_page(view: View) -> str:
    kb = view.kb
    rules = kb.rules
    verified = sum(r.confidence in ("verified-primary", "verified-secondary") for r in rules)
    overdue = sum(view.status(r) == "overdue" for r in rules)
    changed = sum(view.status(r) == "source-changed" for r in rules)
    lines = [
        front_matter("lcdkb: payer rules for interventional pain billing"),
        "# Payer rules for interventional pain billing\n",
        "Prior authorization, modifiers, units, frequency, levels, imaging, diagnoses and documentation for "
        "epidurals, facet blocks, RF ablation, trigger points and chronic pain management, by payer. Every rule "
        "links its source documents and says how sure we are.\n",
        "**Search** for a code (`64483`), a diagnosis (`M54.16`), an LCD or article (`L39242`, `A58745`), a "
        "payer (`Novitas`, `JH`) or a state (`Texas`), or start here:\n",
        f"- {link('Codes', 'codes/index.md')}: every payer side by side for one code",
        f"- {link('Payers', 'payers/index.md')}: one cheat sheet per payer or Medicare contractor (printable)",
        f"- {link('States', 'states/index.md')}: which Medicare contractor and payers apply where",
        f"- {link('Diagnoses', 'diagnoses/index.md')}: which ICD-10-CM codes the rules list",
        f"- {link('Review status', 'review.md')}: what is current, due soon, overdue or has a changed source",
        f"- {link('Downloads', 'downloads.md')}: JSON and CSV for spreadsheets and programs\n",
        f"**{len(kb.payers)}** payers · **{len(rules)}** rules · **{verified}** rules fully verified · "
        f"**{overdue}** overdue for review · **{changed}** with a source changed since it was read "
        f"(as of {view.today.isoformat()}).\n",
        '!!! warning "Check before you bill"\n    This is a reference, not billing or legal advice. Facts marked '
        "unverified or conflicting have not been confirmed in the payer's own document. Always confirm against "
        "the current document that each rule links to.\n",
        "CPT codes are shown by number with our own short labels; CPT is a registered trademark of the "
        "American Medical Association, and no AMA descriptor text is reproduced. HCPCS Level II descriptors "
        "are CMS public text.\n",
    ]
    return "\n".join(lines)


def codes_index(view: View) -> str:
    kb = view.kb
    lines = [front_matter("Codes"), "# Codes\n", "Each code page shows every payer's rule side by side.\n"]
    by_family = defaultdict(list)
    for code in key_codes(view):
        by_family[kb.codes[code]["family"]].append(code)
    for family in FAMILY_NAMES:
        if family in by_family:
            lines.append(f"## {FAMILY_NAMES[family]}\n")
            rows = [
                [link(c, f"{c}.md"), text(kb.codes[c]["label"]), str(len(kb.rules_for(c)))] for c in by_family[family]
            ]
            lines.append(table(["Code", "What", "Payers with rules"], rows) + "\n")
    return "\n".join(lines)


def payers_index(view: View) -> str:
    kb = view.kb
    lines = [front_matter("Payers"), "# Payers\n"]
    for kind in KIND_ORDER:
        payers = [p for p in _payers_sorted(kb.payers.values()) if p.kind == kind]
        if not payers:
            continue
        lines.append(f"## {KIND_NAMES[kind]}\n")
        rows = [
            [
                link(p.name, f"{p.id}.md"),
                text(_jurisdiction(p)),
                text(where(p)),
                text(", ".join(p.aliases) or phrases.NOT_RECORDED),
                str(len(kb.rules_for(payer_id=p.id))),
            ]
            for p in payers
        ]
        lines.append(table(["Payer", "Jurisdiction", "Where", "Also known as", "Rules"], rows) + "\n")
    return "\n".join(lines)


def _jurisdiction(payer: Payer) -> str:
    if payer.jurisdiction:
        return payer.jurisdiction
    return "All" if payer.kind == "medicare-national" else "Not a MAC"


def states_index(view: View) -> str:
    kb = view.kb
    lines = [
        front_matter("States"),
        "# States and territories\n",
        "The Medicare A/B contractor for each state, with the exceptions inside a state.\n",
    ]
    rows = []
    for code in sorted(kb.states, key=lambda c: kb.states[c]["name"]):
        jurisdictions = kb.jurisdictions_for_state(code)
        main = jurisdictions[0] if jurisdictions else phrases.NOT_RECORDED
        contractor = kb.jurisdictions[main]["contractor"] if jurisdictions else phrases.NOT_RECORDED
        extra = f" (part: {', '.join(jurisdictions[1:])})" if len(jurisdictions) > 1 else ""
        rows.append([link(kb.states[code]["name"], f"{code.lower()}.md"), code, text(main + extra), text(contractor)])
    lines.append(table(["State", "Code", "Medicare jurisdiction", "Contractor"], rows))
    return "\n".join(lines)


def diagnosis_index(view: View) -> dict[str, dict[str, dict[str, list[Rule]]]]:
    """category (first three characters) -> code or range -> {"covered": [...], "not_covered": [...]} rules."""
    index: dict = defaultdict(lambda: defaultdict(lambda: {"covered": [], "not_covered": []}))
    for rule in view.kb.rules:
        fact = rule.facts.get("diagnoses") or {}
        for field in ("covered", "not_covered"):
            for code in fact.get(field, []):
                index[code[:3]][code][field].append(rule)
    return index


def diagnosis_pages(view: View) -> dict[str, str]:
    """An index of ICD-10-CM categories, and one page per category with a section per code, so the pages stay
    small however many codes the rules list."""
    index = diagnosis_index(view)
    intro = (
        "The ICD-10-CM codes and ranges the rules list. Many payers publish only examples, so a code missing "
        "here may still be covered: open the rule and read its diagnosis note.\n"
    )
    rows = [
        [
            link(category, f"{category.lower()}.md"),
            str(len(codes)),
            text(", ".join(sorted(codes)[:6]) + (" ..." if len(codes) > 6 else "")),
        ]
        for category, codes in sorted(index.items())
    ]
    pages = {
        "diagnoses/index.md": "\n".join(
            [
                front_matter("Diagnoses"),
                "# Diagnosis codes (ICD-10-CM)\n",
                intro,
                table(["Category", "Codes listed", "Codes"], rows),
            ]
        )
        + "\n"
    }
    for category, codes in index.items():
        lines = [front_matter(f"Diagnoses {category}"), f"# Diagnosis codes {text(category)}\n", intro]
        for code in sorted(codes):
            lines.append(f"## {text(code)}\n")
            lists = [
                f"<p{UNINDEXED}><strong>{label}:</strong> " + _rules_by_code(view, codes[code][field]) + "</p>"
                for label, field in (("Listed as covered", "covered"), ("Listed as not covered", "not_covered"))
                if codes[code][field]
            ]
            if lists:  # ready-made HTML: these link lists are most of a big site's Markdown
                lines.append(raw_block("\n".join(lists)))
        pages[f"diagnoses/{category.lower()}.md"] = "\n".join(lines)
    return pages


def _rules_by_code(view: View, rules: list[Rule]) -> str:
    by_code: dict[str, list[str]] = defaultdict(list)
    for rule in rules:
        by_code[rule.code].append(rule.payer_id)
    return "; ".join(
        html_link(code, f"../codes/{code}.md")
        + " ("
        + ", ".join(html_link(short_name(view.kb, view.kb.payers[p]), f"../codes/{code}.md#{p}") for p in payers)
        + ")"
        for code, payers in sorted(by_code.items())
    )


def downloads_page(view: View) -> str:
    lines = [
        front_matter("Downloads"),
        "# Downloads\n",
        "The same data as this site, for spreadsheets and programs. See "
        + link("Using the data", "consumers.md")
        + " for the fields and the compatibility promise.\n",
    ]
    rows = [
        [link("all.json", "api/v1/all.json"), "everything in one JSON file"],
        [link("rules.csv", "api/v1/rules.csv"), "one row per payer and code; opens in Excel"],
        [link("changes.json", "api/v1/changes.json"), "rules added, changed and removed since the baseline"],
        [link("export.schema.json", "api/v1/schema/export.schema.json"), "JSON Schema for the JSON files"],
    ]
    lines.append(table(["File", "What"], rows))
    lines.append("\n## Per payer\n")
    lines.append(
        table(
            ["Payer", "JSON"],
            [
                [text(p.name), link(f"{p.id}.json", f"api/v1/payers/{p.id}.json")]
                for p in _payers_sorted(view.kb.payers.values())
            ],
        )
    )
    lines.append("\n## Per code\n")
    lines.append(
        table(["Code", "JSON"], [[c, link(f"{c}.json", f"api/v1/codes/{c}.json")] for c in sorted(view.kb.codes)])
    )
    first = sorted(view.kb.states)[0]
    lines.append(
        "\nPer state: `api/v1/states/<XX>.json`, for example "
        + link(f"{first}.json", f"api/v1/states/{first}.json")
        + ".\n"
    )
    return "\n".join(lines)
