//! Unicode for terminals: `∂E/∂W = (S − S²)(s − y)xᵀ`, then the names it
//! uses, then the check.

use super::math::{Renderer, Style};
use super::{Output, WhereLine, check_line, entry_name};

/// Terminal width: longer formulas break before a `+` or `−`.
const WIDTH: usize = 80;

pub fn render(out: &Output) -> String {
    let aliases = Default::default();
    let r = Renderer { g: out.g, style: Style::Unicode, diag_names: &out.presentation.diag_names, aliases: &aliases };
    let mut text = match out.steps {
        Some(steps) => super::steps::unicode(&r, steps),
        None => String::new(),
    };
    let indent = if out.steps.is_some() { "  " } else { "" };
    for (&(_, expr), e) in out.presentation.results.iter().zip(&out.derivative.entries) {
        text.push_str(&format!("{indent}{} = {}\n", entry_name(&r, out.derivative, e), r.formula(expr).pretty(WIDTH)));
    }
    let mut wheres: Vec<String> = Vec::new();
    for line in super::where_lines(out.g, out.presentation) {
        wheres.push(match line {
            WhereLine::Diag(cap, s) => format!("{} = Diag({})", r.name(cap), r.name(s)),
            WhereLine::Def(name, def) => format!("{} = {}", super::where_name(&r, out, name), r.formula(def).pretty(WIDTH)),
        });
    }
    if !wheres.is_empty() {
        let one_line = wheres.join(", ");
        if one_line.chars().count() + 8 <= WIDTH && !one_line.contains('\n') {
            text.push_str(&format!("  where {one_line}\n"));
        } else {
            for (i, w) in wheres.iter().enumerate() {
                let lead = if i == 0 { "  where " } else { "        " };
                text.push_str(&format!("{lead}{}\n", w.replace('\n', "\n        ")));
            }
        }
    }
    let shapes = super::shapes(&r, out);
    if !shapes.is_empty() {
        text.push_str(&format!("  for {}\n", shapes.join(", ")));
    }
    for remark in &out.presentation.remarks {
        text.push_str(&format!("  note: {remark}\n"));
    }
    text.push_str(&format!("  {}\n", check_line(out.report)));
    text
}
