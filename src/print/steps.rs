//! The derivation of `--steps` in LaTeX and Unicode: the definitions with
//! their differentials, then each section's lines (`dE = … = …`), each with
//! the rule that produced it, then the result.

use egg::Id;
use pretty::RcDoc;

use super::math::{Renderer, Style};
use crate::diff::steps::{Of, Steps};

/// The derivation's lines in `style`, as `(left, right, rule)`: `left` is
/// empty for a continued equation (`= …`).
pub fn lines(r: &Renderer, steps: &Steps) -> Vec<(String, String, String)> {
    shown(r, steps).into_iter().map(|(left, right, _, rule)| (left, right, rule)).collect()
}

/// [`lines`], each with the expression it shows (to be laid out again).
fn shown(r: &Renderer, steps: &Steps) -> Vec<(String, String, Id, String)> {
    let show = |id| r.formula(id).pretty(usize::MAX).to_string();
    let mut out = Vec::new();
    for section in &steps.sections {
        let mut previous = String::new();
        for (i, line) in section.lines.iter().enumerate() {
            let text = show(line.expr);
            // a move that changes nothing visible is not a line
            if text == previous {
                continue;
            }
            let left = if i == 0 { lhs(r, section.of) } else { String::new() };
            out.push((left, text.clone(), line.expr, line.rule.clone()));
            previous = text;
        }
    }
    out
}

/// What a section's lines equal: `dE`, `vec(dY)`, `d(∂f/∂x)`.
fn lhs(r: &Renderer, of: Of) -> String {
    let latex = r.style == Style::Latex;
    let d = |s: String| if latex { format!("\\mathrm{{d}}{s}") } else { format!("d{s}") };
    let vec = |s: String| if latex { format!("\\operatorname{{vec}}({s})") } else { format!("vec({s})") };
    let gradient = |f, x| {
        if latex {
            format!("\\left(\\frac{{\\partial {}}}{{\\partial {}}}\\right)", r.name(f), r.name(x))
        } else {
            format!("(∂{}/∂{})", r.name(f), r.name(x))
        }
    };
    match of {
        Of::Differential(n) => d(r.name(n)),
        Of::Vectorized(n) => vec(d(r.name(n))),
        Of::Gradient(f, x) => d(gradient(f, x)),
        Of::VectorizedGradient(f, x) => vec(d(gradient(f, x))),
    }
}

pub fn unicode(r: &Renderer, steps: &Steps) -> String {
    let mut text = String::from("Definitions and their differentials\n");
    let defs: Vec<(String, String)> = steps
        .definitions
        .iter()
        .map(|&(name, def, diff)| {
            let left = format!("{} = {}", r.name(name), r.formula(def).pretty(usize::MAX));
            let mut right = format!("d{} = {}", r.name(name), r.formula(diff).pretty(usize::MAX));
            // the shorthand where it first appears: ds = (S − S²)dv, S = Diag(s)
            if let Some(cap) = r.diag_names.get(&name) {
                right.push_str(&format!(",    {} = Diag({})", r.name(*cap), r.name(name)));
            }
            (left, right)
        })
        .collect();
    let width = defs.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0);
    for (left, right) in defs {
        let pad = width - left.chars().count();
        text.push_str(&format!("  {left}{}    {right}\n", " ".repeat(pad)));
    }
    for section in &steps.sections {
        text.push_str(section.title);
        text.push('\n');
        let lines = lines(r, &Steps { definitions: Vec::new(), sections: vec![section.clone()] });
        let indent = lines.first().map(|l| l.0.chars().count()).unwrap_or(0);
        // (the rules are in the LaTeX comments and the JSON)
        for (left, right, _) in lines {
            let lead = if left.is_empty() { " ".repeat(indent) } else { left };
            text.push_str(&format!("  {lead} = {right}\n"));
        }
    }
    text.push_str("Therefore\n");
    text
}

/// The rows of the derivation in an `aligned` environment, in one column
/// of alignment (a definition and its differential share a row: `v &= Wx,
/// \qquad dv = W dx`, so that a broken line continues under the first
/// operand, as the results' do), each with the rule that produced it (a `%`
/// comment after the row), and the remarks as visible `\text{…}` rows
/// before the result.
pub fn latex(r: &Renderer, steps: &Steps, remarks: &[String]) -> Vec<(RcDoc<'static, ()>, Option<String>)> {
    let mut rows: Vec<(RcDoc<'static, ()>, Option<String>)> =
        vec![(RcDoc::text("&\\text{Definitions and their differentials}"), None)];
    for &(name, def, diff) in &steps.definitions {
        let mut row = RcDoc::text(format!("{} &= ", r.name(name)))
            .append(r.formula(def))
            .append(RcDoc::text(format!(", \\qquad \\mathrm{{d}}{} = ", r.name(name))))
            .append(r.formula(diff));
        if let Some(cap) = r.diag_names.get(&name) {
            row = row.append(RcDoc::text(format!(", \\quad {} = \\operatorname{{Diag}}({})", r.name(*cap), r.name(name))));
        }
        rows.push((row, None));
    }
    for section in &steps.sections {
        rows.push((RcDoc::text(format!("&\\text{{{}}}", section.title)), None));
        // laid out again, so that a long line breaks before a `+`
        for (left, _, expr, rule) in shown(r, &Steps { definitions: Vec::new(), sections: vec![section.clone()] }) {
            rows.push((RcDoc::text(format!("{left} &= ")).append(r.formula(expr)), Some(rule)));
        }
    }
    rows.extend(remarks.iter().map(|m| (RcDoc::text(format!("&\\text{{Note: {}}}", text_mode(m))), None)));
    rows.push((RcDoc::text("&\\text{Therefore}"), None));
    rows
}

/// The LaTeX of a mathematical symbol that remarks use (`∂`, `∇`, `ᵀ`, `½`).
fn math_symbol(c: char) -> Option<&'static str> {
    Some(match c {
        '∂' => "\\partial",
        '∇' => "\\nabla",
        'ᵀ' => "^{\\top}",
        '½' => "\\tfrac{1}{2}",
        '−' => "-",
        '∘' => "\\circ",
        '⊗' => "\\otimes",
        '⊘' => "\\oslash",
        '·' => "\\cdot",
        '𝟙' => "\\mathbf{1}",
        '≥' => "\\geq",
        '≤' => "\\leq",
        '≠' => "\\neq",
        '∈' => "\\in",
        '‖' => "\\|",
        'ℝ' => "\\mathbb{R}",
        '⁻' => "^{-}",
        '¹' => "^{1}",
        '²' => "^{2}",
        '³' => "^{3}",
        _ => return None,
    })
}

/// A remark's plain text for `\text{…}`: subscripted names and relations
/// in math mode (`$K_{n,m}$`, `$>$`), `′` as a prime, specials escaped.
fn text_mode(remark: &str) -> String {
    let mut out = String::new();
    let mut chars = remark.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // K_{m,n}: to the closing brace, in math mode
            '_' if chars.peek() == Some(&'{') => {
                let mut sub = String::new();
                for d in chars.by_ref() {
                    sub.push(d);
                    if d == '}' {
                        break;
                    }
                }
                let base = out.pop().map(String::from).unwrap_or_default();
                out.push_str(&format!("${base}_{sub}$"));
            }
            '>' => out.push_str("$>$"),
            '<' => out.push_str("$<$"),
            '×' => out.push_str("$\\times$"),
            '′' => out.push('\''),
            // KaTeX's \text takes no Unicode mathematics: each symbol in math mode
            c if !c.is_ascii() => match crate::name::greek_latex(c).or_else(|| math_symbol(c)) {
                // next to the last symbol: one math run (`$$` would open a display)
                Some(latex) if out.ends_with('$') => {
                    out.pop();
                    out.push_str(&format!(" {latex}$"));
                }
                Some(latex) => out.push_str(&format!("${latex}$")),
                None => out.push(c),
            },
            '%' | '&' | '#' | '_' | '$' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}
