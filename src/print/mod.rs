//! One printer per output format; what they share: the name of each
//! derivative (`∂E/∂W`, `∂vec(Y)/∂vec(X)`, `∂²f/∂x∂xᵀ`) and the line that
//! reports the numeric check.

pub mod json;
pub mod latex;
pub mod math;
pub mod numpy;
pub mod steps;
pub mod unicode;

use crate::diff::{Derivative, Entry, Kind};
use crate::ir::Graph;
use crate::name::Name;
use crate::numeric::check::Report;
use crate::present::Presentation;
use math::{Renderer, Style};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Latex,
    Unicode,
    Numpy,
    Json,
}

/// Everything a printer may need.
pub struct Output<'a> {
    pub g: &'a Graph,
    pub derivative: &'a Derivative,
    pub presentation: &'a Presentation,
    /// `None` when the check was skipped (`--no-check`).
    pub report: Option<&'a Report>,
    /// The program's free variables, in order.
    pub variables: &'a [Name],
    /// The program's named dimensions.
    pub dims: &'a [Name],
    /// The derivation, with `--steps`.
    pub steps: Option<&'a crate::diff::steps::Steps>,
}

pub fn render(format: Format, out: &Output) -> String {
    match format {
        Format::Latex => latex::render(out),
        Format::Unicode => unicode::render(out),
        Format::Numpy => numpy::render(out),
        Format::Json => json::render(out),
    }
}

/// `checked: …` or `not checked …`, without a comment marker.
pub fn check_line(report: Option<&Report>) -> String {
    match report {
        Some(r) => format!("checked: max relative error {:.1e} at {} random points (central differences)", r.worst, r.points),
        None => "not checked (--no-check): nothing guarantees this result".to_string(),
    }
}

/// The shapes the results were computed for, one `name : shape` per
/// variable (`W : n×m`, `x : m`, `α : scalar`), with a word where a shape
/// is not its letter's convention (`X : n (uppercase, but a column
/// vector)`): a reader sees how the program was understood, and why `I_q`
/// appears. In LaTeX, `W \in \mathbb{R}^{n \times m}`.
pub fn shapes(r: &Renderer, out: &Output) -> Vec<String> {
    out.variables
        .iter()
        .map(|&v| {
            let s = &out.g.info(v).shape;
            let size = match (r.style, s.is_scalar(), s.is_column()) {
                (Style::Unicode, true, _) => "scalar".to_string(),
                (Style::Unicode, _, true) => r.dim(&s.rows),
                (Style::Unicode, _, _) => format!("{}×{}", r.dim(&s.rows), r.dim(&s.cols)),
                (Style::Latex, true, _) => "\\mathbb{R}".to_string(),
                (Style::Latex, _, true) => format!("\\mathbb{{R}}^{{{}}}", r.dim(&s.rows)),
                (Style::Latex, _, _) => format!("\\mathbb{{R}}^{{{} \\times {}}}", r.dim(&s.rows), r.dim(&s.cols)),
            };
            let sep = if r.style == Style::Latex { " \\in " } else { " : " };
            match crate::present::unconventional(v, s) {
                Some(why) => format!("{}{sep}{size} ({why})", r.name(v)),
                None => format!("{}{sep}{size}", r.name(v)),
            }
        })
        .collect()
}

/// A line of the `where` list.
pub enum WhereLine {
    /// The seeds' shorthand `S = Diag(s)`: the capital, then the vector.
    Diag(Name, Name),
    /// A name and its definition.
    Def(Name, egg::Id),
}

/// The `where` lines in the presentation's order (first needed first),
/// `S = Diag(s)` right before `s`; a shorthand for a name not listed comes
/// first. A shorthand only `--steps` uses (`U = Diag(u)` for an
/// intermediate `u`) is said where the steps define it, not here.
pub fn where_lines(g: &Graph, p: &Presentation) -> Vec<WhereLine> {
    let roots: Vec<egg::Id> = p.results.iter().chain(&p.wheres).map(|r| r.1).collect();
    let used: std::collections::HashSet<Name> = g
        .reachable(&roots)
        .into_iter()
        .filter_map(|id| match *g.node(id) {
            crate::ir::Math::DiagM(a) => match *g.node(a) {
                crate::ir::Math::Sym(s) => Some(s),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let shorthand = |s: &Name| p.diag_names.get(s).copied().filter(|_| used.contains(s));
    let listed: std::collections::HashSet<Name> = p.wheres.iter().map(|w| w.0).collect();
    let mut unlisted: Vec<Name> = p.diag_names.keys().copied().filter(|s| !listed.contains(s)).collect();
    unlisted.sort_by_key(|s| s.as_str());
    let mut out: Vec<WhereLine> = unlisted.iter().filter_map(|s| Some(WhereLine::Diag(shorthand(s)?, *s))).collect();
    for &(name, def) in &p.wheres {
        if let Some(cap) = shorthand(&name) {
            out.push(WhereLine::Diag(cap, name));
        }
        out.push(WhereLine::Def(name, def));
    }
    out
}

/// The left-hand side of a where-line: the name, and for an adjoint what
/// it is (`δ_v = ∂E/∂v`).
pub fn where_name(r: &Renderer, out: &Output, name: Name) -> String {
    match out.g.info(name).kind {
        crate::ir::NameKind::Adjoint(subject) => {
            let (f, b) = (r.name(out.derivative.of), r.name(subject));
            match r.style {
                Style::Latex => format!("{} = \\frac{{\\partial {f}}}{{\\partial {b}}}", r.name(name)),
                Style::Unicode => format!("{} = ∂{f}/∂{b}", r.name(name)),
            }
        }
        _ => r.name(name),
    }
}

/// The left-hand side of a result: `∂E/∂W` and its kin.
pub fn derivative_name(r: &Renderer, d: &Derivative, wrt: Name) -> String {
    let g = r.g;
    let (f, x) = (r.name(d.of), r.name(wrt));
    let column = |n: Name| g.info(n).shape.cols.is_one();
    let latex = r.style == Style::Latex;
    let vec = |s: String, n: Name| {
        if column(n) {
            s
        } else if latex {
            format!("\\operatorname{{vec}}({s})")
        } else {
            format!("vec({s})")
        }
    };
    match (d.kind, latex) {
        (Kind::Gradient, true) => format!("\\frac{{\\partial {f}}}{{\\partial {x}}}"),
        (Kind::Gradient, false) => format!("∂{f}/∂{x}"),
        (Kind::Jacobian, true) => format!("\\frac{{\\partial {}}}{{\\partial {}}}", vec(f, d.of), vec(x, wrt)),
        (Kind::Jacobian, false) => format!("∂{}/∂{}", vec(f, d.of), vec(x, wrt)),
        // of a scalar variable: ∂²f/∂α²
        (Kind::Hessian, true) if g.info(wrt).shape.is_scalar() => format!("\\frac{{\\partial^{{2}} {f}}}{{\\partial {x}^{{2}}}}"),
        (Kind::Hessian, false) if g.info(wrt).shape.is_scalar() => format!("∂²{f}/∂{x}²"),
        (Kind::Hessian, true) => {
            let v = vec(x, wrt);
            format!("\\frac{{\\partial^{{2}} {f}}}{{\\partial {v}\\,\\partial {v}^{{\\top}}}}")
        }
        (Kind::Hessian, false) => {
            let v = vec(x, wrt);
            format!("∂²{f}/∂{v}∂{v}ᵀ")
        }
    }
}

/// The left-hand side of a result: [`derivative_name`], or for a Hessian's
/// cross block `∂²f/∂vec(X)∂vec(Y)ᵀ` (`∂²f/∂x∂yᵀ` for column vectors,
/// no `ᵀ` on a scalar).
pub fn entry_name(r: &Renderer, d: &Derivative, e: &Entry) -> String {
    let Some(y) = e.cross else { return derivative_name(r, d, e.wrt) };
    let g = r.g;
    let latex = r.style == Style::Latex;
    let part = |n: Name, transposed: bool| {
        let s = r.name(n);
        let shape = &g.info(n).shape;
        let s = match (shape.cols.is_one(), latex) {
            (true, _) => s,
            (false, true) => format!("\\operatorname{{vec}}({s})"),
            (false, false) => format!("vec({s})"),
        };
        match (transposed && !shape.is_scalar(), latex) {
            (false, _) => s,
            (true, true) => format!("{s}^{{\\top}}"),
            (true, false) => format!("{s}ᵀ"),
        }
    };
    let (f, x, y) = (r.name(d.of), part(e.wrt, false), part(y, true));
    if latex {
        format!("\\frac{{\\partial^{{2}} {f}}}{{\\partial {x}\\,\\partial {y}}}")
    } else {
        format!("∂²{f}/∂{x}∂{y}")
    }
}

/// What a result is with respect to, as JSON's `wrt` says it: the
/// variable, or for a cross block both (`x,y`).
pub fn entry_wrt(r: &Renderer, e: &Entry) -> String {
    match e.cross {
        Some(y) => format!("{},{}", r.name(e.wrt), r.name(y)),
        None => r.name(e.wrt),
    }
}
