//! LaTeX: the body of one display, pasted between whatever delimiters the
//! user's notes use. One result alone is one line; several lines (more
//! results, or the names they use) form one `aligned` environment.
//! Remarks are `%` comment lines.

use pretty::RcDoc;

use super::math::{Doc, Renderer, Style};
use super::{Output, WhereLine, check_line, entry_name};

/// Long formulas are broken before a `+` or `−` past this width.
const WIDTH: usize = 100;

pub fn render(out: &Output) -> String {
    let aliases = Default::default();
    let r = Renderer { g: out.g, style: Style::Latex, diag_names: &out.presentation.diag_names, aliases: &aliases };
    let mut lines: Vec<Doc> = Vec::new();
    for (&(_, expr), e) in out.presentation.results.iter().zip(&out.derivative.entries) {
        lines.push(RcDoc::text(format!("{} &= ", entry_name(&r, out.derivative, e))).append(r.formula(expr)));
    }
    let mut wheres: Vec<Doc> = Vec::new();
    for line in super::where_lines(out.g, out.presentation) {
        wheres.push(match line {
            WhereLine::Diag(cap, s) => RcDoc::text(format!("{} &= \\operatorname{{Diag}}({})", r.name(cap), r.name(s))),
            WhereLine::Def(name, def) => RcDoc::text(format!("{} &= ", super::where_name(&r, out, name))).append(r.formula(def)),
        });
    }
    // the derivation first, each row with its rule as a comment
    let mut rows: Vec<(Doc, Option<String>)> = match out.steps {
        Some(steps) => super::steps::latex(&r, steps, &out.presentation.remarks),
        None => Vec::new(),
    };
    let mut text = String::new();
    // one line alone needs no environment, unless it is broken: `\\` only
    // breaks lines inside `aligned`
    let single = (rows.is_empty() && lines.len() == 1 && wheres.is_empty()).then(|| lines[0].pretty(WIDTH).to_string());
    if let Some(line) = single.filter(|l| !l.contains("\\\\")) {
        text.push_str(&line.replacen(" &= ", " = ", 1));
        text.push('\n');
    } else {
        rows.extend(lines.into_iter().map(|l| (l, None)));
        rows.extend(
            wheres
                .into_iter()
                .enumerate()
                .map(|(i, w)| (if i == 0 { RcDoc::text("\\text{where}\\quad ").append(w) } else { w }, None)),
        );
        text.push_str("\\begin{aligned}\n");
        let n = rows.len();
        for (i, (row, comment)) in rows.into_iter().enumerate() {
            text.push_str(&row.pretty(WIDTH).to_string());
            if i + 1 < n {
                text.push_str(" \\\\");
            }
            if let Some(c) = comment {
                text.push_str(&format!(" % {c}"));
            }
            text.push('\n');
        }
        text.push_str("\\end{aligned}\n");
    }
    let shapes = super::shapes(&r, out);
    if !shapes.is_empty() {
        text.push_str(&format!("% for {}\n", shapes.join(", ")));
    }
    // (a derivation shows them as rows, to be read)
    for remark in out.presentation.remarks.iter().filter(|_| out.steps.is_none()) {
        text.push_str(&format!("% note: {remark}\n"));
    }
    text.push_str(&format!("% {}\n", check_line(out.report)));
    text
}
