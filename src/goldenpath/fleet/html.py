"""The fleet page: one self-contained HTML file (inline CSS, JS and SVG; nothing fetched).

A platform lead reads it top-down: totals, the template version distribution,
how many repos pass each statement, levels, trends and campaigns, then one
sortable, filterable row per repo (with its owner and level) whose statement
cells form the maturity heat map (repos x statements), each cell linking to
its evidence.
"""

from __future__ import annotations

from html import escape

from goldenpath.fleet.cells import (
    MARK,
    ci_cell,
    maturity_cell,
    newer_major_note,
    number_ranges,
    pr_cell,
    template_cell,
    workflows_cell,
)
from goldenpath.fleet.charts import statement_chart, version_chart
from goldenpath.fleet.html_scorecard import scan_section, scorecard_sections
from goldenpath.fleet.levels import NONE
from goldenpath.fleet.model import SCHEMA_VERSION, FleetReport, RepoReport, Verdict
from goldenpath.fleet.scorecard import Scorecard


def html_page(report: FleetReport, card: Scorecard) -> str:
    summary = report.summary()
    title = f"Fleet report: {report.org}"
    cards = [
        ("repos", summary["repos"]),
        ("on the newest release", summary["template_status"].get("current", 0)),
        ("behind", summary["template_status"].get("behind", 0)),
        ("unsupported major", summary["template_status"].get("unsupported-major", 0)),
        ("off-road", summary["workflow_status"].get("off-road", 0)),
        ("open update PRs", summary["open_update_prs"]),
        ("all automated statements pass", summary["automated_statements_all_pass"]),
        ("could not be scanned", summary["errors"]),
    ]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>{escape(title)}</h1>
<p class="meta">Scanned {escape(report.generated_at)} &middot; central repo <code>{escape(report.central)}</code> &middot;
newest release of <code>{escape(report.release_line)}</code>: <code>{escape(report.newest_release or "none")}</code> &middot;
schema v{SCHEMA_VERSION}</p>
{_newer_major(report)}
{scan_section(report)}
</header>
<section class="cards">{"".join(f'<div class="card"><b>{value}</b><span>{escape(label)}</span></div>' for label, value in cards)}</section>
<section class="charts">
<figure><figcaption>Template version distribution</figcaption>{version_chart(report)}</figure>
<figure><figcaption>Repos passing each automated maturity statement</figcaption>{statement_chart(report)}</figure>
</section>
{scorecard_sections(report, card)}
<section>
<h2>Repositories and maturity heat map</h2>
<div class="controls">
<label>Filter <input id="filter" type="search" placeholder="name, version, status..." autocomplete="off"></label>
<label>Show <select id="status">
<option value="">all repos</option>
<option value="behind">behind</option>
<option value="unsupported-major">unsupported major</option>
<option value="off-road">off-road</option>
<option value="pinned">pinned or SHA</option>
<option value="update-pr">open update PR</option>
<option value="not-mature">a statement fails</option>
<option value="error">could not be scanned</option>
<option value="newly-failing">newly failing a statement</option>
<option value="newly-passing">newly passing a statement</option>
{_level_options(card)}
</select></label>
<span id="shown"></span>
<span class="legend"><i class="pass">{MARK["pass"]}</i> pass <i class="fail">{MARK["fail"]}</i> fail <i class="unknown">{MARK["unknown"]}</i> unknown &middot; click a header to sort</span>
</div>
<table id="repos">
<thead><tr>{_headers(report)}</tr></thead>
<tbody>
{"".join(_row(report, card, repo) for repo in report.repos)}
</tbody>
</table>
</section>
<section class="notes">
<h2>Statements</h2>
<dl>{"".join(f"<dt>{escape(info.id)} {escape(info.title)}</dt><dd>{escape(info.checks)}</dd>" for info in report.statements)}</dl>
<p>Numbers follow the MLOps maturity assessment (60 statements; a project is mature when all of 1-46 hold).
Statements {escape(number_ranges(report.manual_statements))} need people to answer them: this page does not guess.</p>
{_manual_why(report)}
</section>
<script>{_JS}</script>
</body>
</html>
"""


def _manual_why(report: FleetReport) -> str:
    """Why the statements of a checked section that the scan leaves to people are left to them."""
    if not report.manual_why:
        return ""
    items = "".join(
        f"<dt>{number} (people)</dt><dd>{escape(why)}.</dd>"
        for number, why in sorted(report.manual_why.items())
    )
    return f'<dl id="manual-why">{items}</dl>'


def _headers(report: FleetReport) -> str:
    fixed = [
        ("repo", "text"),
        ("owner", "text"),
        ("level", "num"),
        ("template", "text"),
        ("behind", "num"),
        ("workflows", "text"),
        ("update PR (days)", "num"),
        ("CI", "text"),
        ("maturity", "num"),
    ]
    cells = [f'<th data-type="{kind}" scope="col">{escape(label)}</th>' for label, kind in fixed]
    cells += [
        f'<th data-type="num" scope="col" class="st" title="{escape(info.title)}: {escape(info.checks)}">{escape(info.id)}</th>'
        for info in report.statements
    ]
    return "".join(cells)


def _row(report: FleetReport, card: Scorecard, repo: RepoReport) -> str:
    flags = [repo.template.status, repo.workflows.status]
    flags += ["pinned"] if repo.workflows.status in ("pinned", "sha", "mixed") else []
    flags += ["update-pr"] if repo.update_pr else []
    flags += ["not-mature"] if repo.mature is False else []
    flags += ["error"] if repo.error else []
    level = card.repo_levels.get(repo.full_name)
    changes = card.changes.get(repo.full_name)
    flags += [f"level-{_slug(level.name)}"] if level else []
    flags += ["newly-failing"] if changes and changes.newly_failing else []
    flags += ["newly-passing"] if changes and changes.newly_passing else []
    name = f'<a href="{escape(repo.url)}">{escape(repo.name)}</a>' if repo.url else escape(repo.name)
    if repo.error:
        name += f'<div class="err">{escape(repo.error)}</div>'
    behind = repo.template.behind if repo.template.behind is not None else -1
    pr = repo.update_pr
    pr_html = (
        f'<a href="{escape(pr.url)}">{escape(pr_cell(repo))}</a>' if pr and pr.url else escape(pr_cell(repo))
    )
    ci = repo.ci
    ci_html = (
        f'<a href="{escape(ci.url)}">{escape(ci_cell(repo))}</a>' if ci and ci.url else escape(ci_cell(repo))
    )
    passes = sum(v.result == "pass" for v in repo.maturity.values())
    owner = repo.owner
    owner_html = (
        f'<a href="{escape(owner.url)}" title="{escape(owner.source)}">{escape(owner.name)}</a>'
        if owner and owner.url
        else escape(owner.name if owner else "-")
    )
    cells = [
        f'<td data-v="{escape(repo.name)}">{name}</td>',
        f'<td data-v="{escape(owner.name if owner else "")}">{owner_html}</td>',
        _level_cell(card, repo),
        f'<td class="t-{escape(repo.template.status)}" title="{escape(repo.template.reason)}">{escape(template_cell(repo))}</td>',
        f'<td data-v="{behind}">{"" if behind < 0 else behind}</td>',
        f'<td title="{escape(", ".join(repo.workflows.missing))}">{escape(workflows_cell(repo))}</td>',
        f'<td data-v="{pr.age_days if pr else -1}">{pr_html}</td>',
        f'<td class="ci-{escape(ci_cell(repo))}">{ci_html}</td>',
        f'<td data-v="{passes}">{escape(maturity_cell(repo))}</td>',
    ]
    cells += [_heat_cell(info.id, repo.maturity.get(info.id)) for info in report.statements]
    return f'<tr data-flags="{escape(" ".join(flags))}">{"".join(cells)}</tr>\n'


def _newer_major(report: FleetReport) -> str:
    note = newer_major_note(report)
    if note is None:
        return ""
    text = escape(note).replace("`goldenpath", "<code>goldenpath").replace("`", "</code>")
    return f'<p class="newer-major" id="newer-major">{text}.</p>'


def _level_cell(card: Scorecard, repo: RepoReport) -> str:
    level = card.repo_levels.get(repo.full_name)
    if level is None:
        return '<td data-v="-1">-</td>'
    names = [NONE, *(definition.name for definition in card.levels)]
    lacks = ""
    if level.next:
        lacks = f'<div class="lacks">{escape(level.next)} lacks: {escape(", ".join(lack.id for lack in level.lacks))}</div>'
    tip = "; ".join(lack.text() + f" ({lack.result})" for lack in level.lacks)
    return (
        f'<td class="lvl" data-v="{names.index(level.name)}" title="{escape(tip)}">'
        f"{escape(level.name)}{lacks}</td>"
    )


def _level_options(card: Scorecard) -> str:
    names = [NONE, *(definition.name for definition in card.levels)]
    return "".join(f'<option value="level-{_slug(name)}">level: {escape(name)}</option>' for name in names)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower())


def _heat_cell(statement: str, verdict: Verdict | None) -> str:
    result = verdict.result if verdict else "unknown"
    rank = {"pass": 2, "unknown": 1, "fail": 0}[result]
    tip = f"{statement}: {result}"
    if verdict:
        tip += f" - {verdict.reason}" + "".join(f"\n{e.ref} {e.detail}".rstrip() for e in verdict.evidence)
    link = next((e.url for e in verdict.evidence if e.url), None) if verdict else None
    mark = MARK[result]
    inner = f'<a href="{escape(link)}">{mark}</a>' if link else mark
    return f'<td class="h {result}" data-v="{rank}" title="{escape(tip)}">{inner}</td>'


_CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 24px 40px;color:#1b1f24}
h1{margin:18px 0 2px;font-size:22px}h2{font-size:17px;margin:22px 0 8px}
.meta{color:#57606a;margin:0 0 12px}.newer-major{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:4px 10px;display:inline-block}code{background:#f3f4f6;padding:0 3px;border-radius:3px}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:22px}.card span{color:#57606a;font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:28px;margin-top:14px}figure{margin:0}figcaption{font-weight:600;margin-bottom:4px}
svg text{font-size:11px;fill:#1b1f24}
.controls{display:flex;flex-wrap:wrap;gap:14px;align-items:center;margin-bottom:8px}
.controls input{width:220px;padding:3px 6px}#shown{color:#57606a}.legend{color:#57606a;font-size:12px}
.legend i{font-style:normal;padding:0 4px;border-radius:3px}
table{border-collapse:collapse;font-size:12.5px}th,td{border:1px solid #d8dee4;padding:2px 6px;white-space:nowrap}
th{background:#f6f8fa;cursor:pointer;position:sticky;top:0;user-select:none}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
th.st{writing-mode:vertical-rl;transform:rotate(180deg);padding:6px 2px}
td.h{text-align:center;width:18px;padding:0}td.h a{color:inherit;text-decoration:none;display:block}
.pass{background:#c8e6c9}.fail{background:#ffcdd2}.unknown{background:#e0e0e0}
.t-current{color:#2e7d32}.t-behind{color:#9a6700}.t-unsupported-major{color:#c62828;font-weight:600}
.ci-failure{color:#c62828}.err{color:#c62828;font-size:11px;white-space:normal;max-width:240px}
.partial{background:#ffebe9;border:1px solid #cf222e;border-radius:6px;padding:4px 10px}
table.plain{margin:6px 0}td.n{text-align:right}td.up{color:#2e7d32}td.down{color:#c62828}
.lacks{color:#57606a;font-size:11px}.unchecked{color:#57606a;font-style:italic}
.campaign{border:1px solid #d0d7de;border-radius:6px;padding:4px 12px;margin:8px 0;max-width:900px}
.campaign.overdue{border-color:#cf222e}.campaign h3{margin:6px 0}.progress-line svg{vertical-align:middle}
.notes dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}.notes dt{font-weight:600}.notes dd{margin:0}
"""

_JS = """
(function(){
  var table=document.getElementById('repos'), body=table.tBodies[0];
  var filter=document.getElementById('filter'), status=document.getElementById('status'), shown=document.getElementById('shown');
  var rows=Array.prototype.slice.call(body.rows);
  function value(row,i,num){var c=row.cells[i];var v=c.hasAttribute('data-v')?c.getAttribute('data-v'):c.textContent;return num?parseFloat(v):v.toLowerCase();}
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){
    th.addEventListener('click',function(){
      var asc=th.getAttribute('aria-sort')!=='ascending', num=th.getAttribute('data-type')==='num';
      Array.prototype.forEach.call(table.tHead.rows[0].cells,function(o){o.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',asc?'ascending':'descending');
      rows.sort(function(a,b){var x=value(a,i,num),y=value(b,i,num);var r=x<y?-1:x>y?1:0;return asc?r:-r;});
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
  function apply(){
    var q=filter.value.trim().toLowerCase(), s=status.value, n=0;
    rows.forEach(function(r){
      var ok=(!q||r.textContent.toLowerCase().indexOf(q)>=0)&&(!s||(' '+r.getAttribute('data-flags')+' ').indexOf(' '+s+' ')>=0);
      r.style.display=ok?'':'none'; if(ok){n++;}
    });
    shown.textContent='showing '+n+' of '+rows.length;
  }
  filter.addEventListener('input',apply); status.addEventListener('change',apply); apply();
})();
"""
