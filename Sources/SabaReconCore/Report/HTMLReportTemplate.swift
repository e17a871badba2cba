/// The page's template (mustache). Every `{{value}}` is HTML-escaped by the renderer, byte by
/// byte (`HTMLText`; each template, the partial too, selects it: a partial starts again with
/// swift-mustache's own escaper, which works on Characters), so
/// outsiders' text (member ids, details) can only ever show as text; the one unescaped
/// `{{{script}}}` is the constant below. That script is allowed by its hash in the
/// Content-Security-Policy, which forbids any other script and any external load.
enum HTMLReportTemplate {
    /// Filters the discrepancy table as the user types.
    static let script = "document.getElementById('filter').addEventListener('input',function(e){var q=e.target.value.toLowerCase();var n=0;document.querySelectorAll('#rows tr').forEach(function(tr){var show=!q||tr.textContent.toLowerCase().indexOf(q)>=0;tr.hidden=!show;if(show)n++;});document.getElementById('shown').textContent=n;});"

    static let text = """
{{% CONTENT_TYPE: HTML_BYTES}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src '{{scriptHash}}'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>saba-recon {{page.runId}}: {{page.outcome}}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
main{max-width:1200px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:20px;margin:0}h2{font-size:16px;margin:28px 0 8px}
.banner{padding:16px 24px;color:#fff}.banner p{margin:4px 0 0}
.ok{background:#2e7d32}.bad{background:#c62828}.failed{background:#6d4c41}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:12px 0}
.facts dt{color:#5a6270}.facts dd{margin:0;font-family:ui-monospace,"DejaVu Sans Mono",monospace}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid #d9dde3;border-radius:6px;padding:10px 14px;min-width:180px}
.card b{font-size:18px;display:block}.card span{color:#5a6270;font-size:12px}
table{border-collapse:collapse;background:#fff;width:100%;font-size:13px}
th,td{border:1px solid #e1e4e8;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eef0f3;position:sticky;top:0}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.scroll{max-height:600px;overflow:auto;border:1px solid #d9dde3}
svg text{font:12px system-ui,"DejaVu Sans",sans-serif;fill:#1d2330}
.bar{fill:#c62828}.col{fill:#90a4ae}.col.current{fill:#1565c0}.col.failed{fill:#6d4c41}
input#filter{font:inherit;padding:4px 8px;width:320px;margin-bottom:6px}
.note{color:#5a6270}
.status b{font-size:18px;display:block}.status.new b,.status.changed b,.status.reopened b{color:#c62828}.status.resolved b{color:#2e7d32}
.agebar{fill:#c62828}.ackbar{fill:#90a4ae}
</style>
</head>
<body>
<header class="banner {{page.outcomeClass}}">
<h1 id="headline">{{page.headline}}</h1>
<p>Outcome <b id="outcome">{{page.outcome}}</b>, exit status <b id="exit-status">{{page.exitStatus}}</b></p>
</header>
<main>
<dl class="facts">
{{#page.facts}}<dt>{{name}}</dt><dd>{{value}}</dd>
{{/page.facts}}</dl>
{{#page.breaks}}
<section id="breaks">
<h2>What changed since the last night</h2>
<div class="cards">
{{#counts}}<div class="card status {{status}}" data-status="{{status}}"><span>{{status}}</span><b>{{count}}</b></div>
{{/counts}}</div>
{{#oldest}}<p id="oldest-open">Oldest break waiting (not acknowledged): <b>{{.}}</b></p>{{/oldest}}{{^oldest}}<p id="oldest-open" class="note">No break is waiting: every open break is acknowledged.</p>{{/oldest}}
<h2>New, changed and reopened breaks</h2>
{{#changesNote}}<p class="note">{{.}}</p>{{/changesNote}}
<div id="break-changes">{{#changes}}{{>table}}{{/changes}}</div>
<h2>Resolved by this run</h2>
{{#resolvedNote}}<p class="note">{{.}}</p>{{/resolvedNote}}
<div id="break-resolved">{{#resolved}}{{>table}}{{/resolved}}</div>
<h2>Aging of the open breaks</h2>
{{#agingEmpty}}<p class="note">No open breaks.</p>{{/agingEmpty}}{{^agingEmpty}}
<svg id="aging" role="img" aria-label="Open breaks by age: waiting, then acknowledged" width="760" height="{{agingHeight}}" viewBox="0 0 760 {{agingHeight}}">
{{#agingBars}}<g class="bucket" data-bucket="{{bucket}}" data-open="{{open}}" data-acknowledged="{{acknowledged}}"><text x="0" y="{{textY}}">{{bucket}}</text><rect class="agebar" x="80" y="{{y}}" width="{{openWidth}}" height="18"><title>{{bucket}}: {{open}} waiting</title></rect><rect class="ackbar" x="{{ackX}}" y="{{y}}" width="{{ackWidth}}" height="18"><title>{{bucket}}: {{acknowledged}} acknowledged</title></rect><text x="{{valueX}}" y="{{textY}}">{{open}} waiting · {{acknowledged}} acknowledged</text></g>
{{/agingBars}}</svg>
{{#aging}}{{>table}}{{/aging}}
{{/agingEmpty}}
</section>
{{/page.breaks}}

<h2>Money at stake per currency</h2>
{{^page.cards}}<p class="note">No discrepancies.</p>{{/page.cards}}
<div class="cards">
{{#page.cards}}<div class="card" data-currency="{{currency}}"><span>{{currency}} · {{count}} discrepancies</span><b>{{atStake}}</b><span>at stake (sum of |difference|); net {{net}}</span></div>
{{/page.cards}}</div>

<h2>Discrepancies by kind</h2>
{{^page.kinds}}<p class="note">None.</p>{{/page.kinds}}
{{#page.kindChart}}{{^empty}}
<svg role="img" aria-label="{{title}}" width="760" height="{{height}}" viewBox="0 0 760 {{height}}">
{{#bars}}<g class="kind" data-kind="{{label}}" data-count="{{value}}"><text x="0" y="{{textY}}">{{label}}</text><rect class="bar" x="250" y="{{y}}" width="{{width}}" height="18"><title>{{label}}: {{value}}</title></rect><text x="{{valueX}}" y="{{textY}}">{{value}}</text></g>
{{/bars}}</svg>
{{/empty}}{{/page.kindChart}}

<h2>By currency</h2>
{{#page.currencyChart}}{{#empty}}<p class="note">None.</p>{{/empty}}{{^empty}}
<svg role="img" aria-label="{{title}}" width="760" height="{{height}}" viewBox="0 0 760 {{height}}">
{{#bars}}<text x="0" y="{{textY}}">{{label}}</text><rect class="bar" x="250" y="{{y}}" width="{{width}}" height="18"><title>{{label}}: {{value}}</title></rect><text x="{{valueX}}" y="{{textY}}">{{value}}</text>
{{/bars}}</svg>
{{/empty}}{{/page.currencyChart}}

<h2>Control totals</h2>
{{#page.controls}}{{>table}}{{/page.controls}}

<h2>Daily totals</h2>
{{#page.daily}}<div class="scroll">{{>table}}</div>{{/page.daily}}

<h2>Discrepancies (<span id="shown">{{page.discrepanciesShown}}</span> shown of {{page.discrepancyCount}})</h2>
{{#page.shownNote}}<p class="note">{{.}}</p>{{/page.shownNote}}
<input id="filter" type="search" placeholder="Filter: kind, id, member, currency..." aria-label="Filter the discrepancies">
<div class="scroll"><table id="discrepancies">
<thead><tr>{{#page.discrepancies.columns}}<th>{{.}}</th>{{/page.discrepancies.columns}}</tr></thead>
<tbody id="rows">
{{#page.discrepancies.rows}}<tr>{{#cells}}<td{{#numeric}} class="n"{{/numeric}}>{{text}}</td>{{/cells}}</tr>
{{/page.discrepancies.rows}}</tbody></table></div>

<h2>Pending (inside the grace period)</h2>
{{#page.pendingNote}}<p class="note">{{.}}</p>{{/page.pendingNote}}
{{#page.pending}}{{>table}}{{/page.pending}}

<h2>Inputs</h2>
{{#page.inputs}}{{>table}}{{/page.inputs}}

<h2>Trend of the last runs in this folder</h2>
{{#page.trend}}
<svg role="img" aria-label="Discrepancies per run" width="{{width}}" height="150" viewBox="0 0 {{width}} 150">
<text x="0" y="14">{{peak}}</text><text x="0" y="130">0</text><line x1="36" y1="130" x2="{{width}}" y2="130" stroke="#9aa0a6"/>
{{#columns}}<rect class="col{{#current}} current{{/current}}{{#failed}} failed{{/failed}}" x="{{x}}" y="{{y}}" width="18" height="{{height}}"><title>{{tip}}</title></rect>
{{/columns}}</svg>
{{#table}}{{>table}}{{/table}}
{{/page.trend}}
{{#page.trendNote}}<p class="note">{{.}}</p>{{/page.trendNote}}
</main>
<script>{{{script}}}</script>
</body>
</html>

"""

    /// Any table: a header and rows of cells, numbers right-aligned.
    static let table = """
{{% CONTENT_TYPE: HTML_BYTES}}{{#empty}}<p class="note">None.</p>{{/empty}}{{^empty}}<table>
<thead><tr>{{#columns}}<th>{{.}}</th>{{/columns}}</tr></thead>
<tbody>
{{#rows}}<tr>{{#cells}}<td{{#numeric}} class="n"{{/numeric}}>{{text}}</td>{{/cells}}</tr>
{{/rows}}</tbody></table>{{/empty}}
"""
}
