//! The check covers the text (issue 12): before anything is printed, each
//! result and each `where` line is printed (Unicode and LaTeX, on one line
//! as in the JSON), read back by matdiff's own parser into a program,
//! and evaluated at random points against what was computed.
//!
//! The program read back is the printed text and nothing else, with one
//! line of scaffolding per name: the variables' shapes as declarations
//! (`W : n×m`), each `where` line as a definition (`S = Diag(s)`), and each
//! result as a definition with a fresh name (`Ξ_1 = …`); results and
//! `where` names are declared with their shapes where a shape is a plain
//! `r×c` (so `2I` has a size).
//!
//! A text that reads back as a different value is always a failure (exit 3,
//! like any failed check). A text matdiff cannot read back fails or is only
//! reported, as [`unreadable_fails`] says for its style and [`Stage`].

use std::collections::HashMap;

use egg::Id;

use crate::ir::Graph;
use crate::name::Name;
use crate::numeric::{self, Value, check};
use crate::present::Presentation;
use crate::print::math::{Renderer, Style};
use crate::shape::{Dim, Shape};

/// Where reading a printed text back stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The parser does not read the notation (`\frac` before the LaTeX
    /// reader, `K_{m,n}`, `0_{n×n}`).
    Parse,
    /// It parses, but its shapes cannot be inferred (a size that nothing
    /// fixes, sizes that are products such as `mn` that inference does not
    /// unify yet) or a size is missing when it is evaluated.
    Shapes,
}

/// THE SWITCH: whether a printed text that matdiff cannot read back fails
/// the check with exit 3 (`true`), or is only reported (`false`: in the
/// JSON's `readback` list). A text that reads back and evaluates
/// differently always fails, whatever this says.
///
/// - Unicode that does not parse fails.
/// - Unicode whose shapes cannot be inferred is reported: flip it to `true`
///   once inference unifies products of sizes (`(xᵀ ⊗ Aᵀ)vec(A)`, issue 13).
/// - LaTeX is reported: flip both to `true` once the parser reads every
///   notation the LaTeX printer uses (`\frac`, `^{\top}`, `\operatorname{…}`,
///   `\mathbf{1}`, `\left(`).
pub const fn unreadable_fails(style: Style, stage: Stage) -> bool {
    match (style, stage) {
        (Style::Unicode, Stage::Parse) => true,
        (Style::Unicode, Stage::Shapes) => false,
        (Style::Latex, _) => false,
    }
}

/// How many points each text is evaluated at.
const POINTS: usize = 2;
/// Points drawn before giving up on one where the results are defined.
const ATTEMPTS: usize = 20;

/// Why a printed text is not what was computed.
#[derive(Clone, Debug)]
pub enum Failure {
    /// The parser cannot read it (or cannot size it).
    Unreadable { style: Style, stage: Stage, why: String },
    /// It reads back as a different value.
    Differs { style: Style, what: String, error: f64 },
}

impl Failure {
    /// Whether this failure makes the check fail (exit 3).
    pub fn fails(&self) -> bool {
        match self {
            Failure::Unreadable { style, stage, .. } => unreadable_fails(*style, *stage),
            Failure::Differs { .. } => true,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let style = |s: &Style| match s {
            Style::Unicode => "Unicode",
            Style::Latex => "LaTeX",
        };
        match self {
            Failure::Unreadable { style: s, why, .. } => write!(f, "the printed {} does not read back: {why}", style(s)),
            Failure::Differs { style: s, what, error } => {
                write!(f, "the printed {} of {what} reads back as a different value (relative error {error:.1e})", style(s))
            }
        }
    }
}

/// One printed text read back: what it is, the name it defines in the
/// program read back, and the node whose value it must have.
struct Line {
    what: String,
    /// The name it defines in that program.
    name: Name,
    want: Id,
}

/// `n×m`, `n`, `scalar` in a declaration; `None` for sizes a declaration
/// cannot say (products, powers).
fn declared_shape(r: &Renderer, s: &Shape) -> Option<String> {
    let plain = |d: &Dim| d.as_int().is_some() || d.names().next().is_some_and(|n| *d == Dim::named(n));
    if !plain(&s.rows) || !plain(&s.cols) {
        return None;
    }
    Some(if s.is_scalar() {
        "scalar".to_string()
    } else if s.is_column() {
        r.dim(&s.rows)
    } else {
        format!("{}×{}", r.dim(&s.rows), r.dim(&s.cols))
    })
}

/// The texts of one style, and the program that defines them all.
fn program(r: &Renderer, g: &Graph, texts: &Texts, variables: &[Name]) -> (String, Vec<Line>) {
    let show = |id| r.formula(id).pretty(usize::MAX).to_string();
    let mut statements: Vec<String> = Vec::new();
    for &v in variables {
        if let Some(shape) = declared_shape(r, &g.info(v).shape) {
            statements.push(format!("{} : {shape}", r.name(v)));
        }
    }
    let mut lines: Vec<Line> = Vec::new();
    let diag = match r.style {
        Style::Latex => "\\operatorname{Diag}",
        Style::Unicode => "Diag",
    };
    // each definition after the names it uses; `S = Diag(s)` right after `s`
    for (name, def) in crate::present::definition_order(g, texts.wheres) {
        let text = show(def);
        if let Some(shape) = declared_shape(r, g.shape(def)) {
            statements.push(format!("{} : {shape}", r.name(name)));
        }
        statements.push(format!("{} = {text}", r.name(name)));
        lines.push(Line { what: format!("`{}`", r.name(name)), name, want: def });
        if let Some(cap) = texts.diag_names.get(&name) {
            statements.push(format!("{} = {diag}({})", r.name(*cap), r.name(name)));
        }
    }
    let mut k = 0;
    for (what, id) in &texts.results {
        let (what, id) = (what.clone(), *id);
        // a zero matrix (`0_{n×n}`, the derivative of a variable the
        // function does not use) is printed in a notation the parser does
        // not read, and cannot be wrong
        if matches!(g.node(id), crate::ir::Math::Const(crate::ir::Constant::Zero(_))) {
            continue;
        }
        let name = loop {
            k += 1;
            let name = Name::new(&format!("Ξ_{k}"));
            if !g.names.contains_key(&name) {
                break name;
            }
        };
        let written = r.name(name);
        if let Some(shape) = declared_shape(r, g.shape(id)) {
            statements.push(format!("{written} : {shape}"));
        }
        statements.push(format!("{written} = {}", show(id)));
        lines.push(Line { what, name, want: id });
    }
    (statements.join("\n"), lines)
}

/// The program read back: its graph and each line's node in it.
fn read(src: &str, lines: &[Line]) -> Result<(Graph, Vec<Id>), (Stage, String)> {
    // the message, and the line it is about
    let why = |d: &crate::diagnostic::Diagnostic| {
        let line = d.labels.first().and_then(|l| src.get(..l.span.start.min(src.len()))).map_or(0, |s| s.matches('\n').count());
        format!("{} in `{}`", d.message, src.lines().nth(line).unwrap_or_default())
    };
    let program = crate::syntax::parse(src).map_err(|d| (Stage::Parse, why(&d)))?;
    let shapes = crate::shape::infer::infer(&program, src).map_err(|d| (Stage::Shapes, why(&d)))?;
    let lowered = crate::lower::lower(&program, &shapes, None).map_err(|d| (Stage::Shapes, why(&d)))?;
    let g = lowered.graph;
    let mut roots = Vec::with_capacity(lines.len());
    for l in lines {
        let def = g.names.get(&l.name).and_then(|i| i.def);
        roots.push(def.ok_or_else(|| (Stage::Parse, format!("`{}` is not defined in the text read back", l.name)))?);
    }
    Ok((g, roots))
}

/// Reads back every result and `where` line of `p`, in Unicode and in
/// LaTeX, and compares them with the values computed, at points drawn as
/// the check draws them. Returns the failures that do not fail the check
/// (to report), or the first that does.
pub fn verify(g: &Graph, p: &Presentation, variables: &[Name], dims: &[Name], seed: u64) -> Result<Vec<Failure>, Failure> {
    let results = p.results.iter().map(|&(wrt, id)| (format!("the result for `{wrt}`"), id)).collect();
    let texts = Texts { results, wheres: &p.wheres, diag_names: &p.diag_names };
    verify_texts(g, &texts, variables, dims, seed)
}

/// Reads back each line of a derivation (`--steps`) as printed, in Unicode
/// and LaTeX, like [`verify`] the results. A differential `dW` is not
/// program text: each is read as a name of its own (`Δ_1` for `dW`, a new
/// variable of `W`'s shape, with the same random value on both sides), so
/// what is compared is the printing of everything around it.
pub fn verify_steps(
    g: &mut Graph,
    steps: &crate::diff::steps::Steps,
    p: &Presentation,
    variables: &[Name],
    dims: &[Name],
    seed: u64,
) -> Result<Vec<Failure>, Failure> {
    let mut map: HashMap<Id, Id> = HashMap::new();
    // each differentiated name and the variable that stands for its `d`
    let mut differentials: Vec<(Name, Name)> = Vec::new();
    let mut results: Vec<(String, Id)> = Vec::new();
    let mut lines: Vec<(String, Id)> = steps
        .definitions
        .iter()
        .map(|&(name, _, diff)| (format!("the differential of `{name}` in the derivation"), diff))
        .collect();
    for section in &steps.sections {
        for (i, line) in section.lines.iter().enumerate() {
            lines.push((format!("line {} of \"{}\" in the derivation", i + 1, section.title), line.expr));
        }
    }
    for (what, root) in lines {
        for id in g.reachable(&[root]) {
            let node = g.node(id).clone();
            let new = match node {
                crate::ir::Math::Diff(s) => match *g.node(s) {
                    crate::ir::Math::Sym(n) => {
                        // Δ_1, Δ_2…: names every reader reads (Δ_{W_1} is not one)
                        let known = differentials.iter().position(|&(m, _)| m == n);
                        let d = match known {
                            Some(k) => differentials[k].1,
                            None => {
                                let fresh = (1..).map(|k| Name::new(&format!("Δ_{k}"))).find(|d| !g.names.contains_key(d));
                                fresh.expect("an unused name")
                            }
                        };
                        if known.is_none() {
                            let info = crate::ir::NameInfo {
                                shape: g.info(n).shape.clone(),
                                props: g.info(n).props,
                                kind: crate::ir::NameKind::Variable,
                                def: None,
                                span: None,
                            };
                            g.declare(d, info);
                            differentials.push((n, d));
                        }
                        g.sym(d)
                    }
                    _ => id,
                },
                other => {
                    use egg::Language;
                    let rebuilt = other.map_children(|c| map.get(&c).copied().unwrap_or(c));
                    g.raw(rebuilt)
                }
            };
            map.insert(id, new);
        }
        results.push((what, map[&root]));
    }
    let mut wheres: Vec<(Name, Id)> = p.wheres.clone();
    for &(name, def, _) in &steps.definitions {
        if !wheres.iter().any(|w| w.0 == name) {
            wheres.push((name, def));
        }
    }
    let texts = Texts { results, wheres: &wheres, diag_names: &p.diag_names };
    let variables: Vec<Name> = variables.iter().copied().chain(differentials.iter().map(|d| d.1)).collect();
    verify_texts(g, &texts, &variables, dims, seed)
}

/// Reads back the definitions of a derived program, each printed as the
/// printers print a `where` line (Unicode and LaTeX): the printers' own
/// round trip, for any program (`tests/properties.rs` runs it over random
/// ones).
pub fn verify_definitions(d: &crate::Derived, seed: u64) -> Result<Vec<Failure>, Failure> {
    let g = &d.graph;
    let mut wheres: Vec<(Name, Id)> = g
        .names
        .iter()
        .filter(|(_, i)| i.kind == crate::ir::NameKind::Definition)
        .filter_map(|(n, i)| Some((*n, i.def?)))
        .collect();
    wheres.sort_by_key(|w| w.0.as_str());
    let texts = Texts { results: Vec::new(), wheres: &wheres, diag_names: &HashMap::new() };
    verify_texts(g, &texts, &d.variables, &d.dims, seed)
}

/// What is printed: results (with the variable each is for), `where`
/// lines, and the `S = Diag(s)` shorthands.
struct Texts<'a> {
    /// Each result with what it is (`the result for `W``).
    results: Vec<(String, Id)>,
    wheres: &'a [(Name, Id)],
    diag_names: &'a HashMap<Name, Name>,
}

fn verify_texts(g: &Graph, texts: &Texts, variables: &[Name], dims: &[Name], seed: u64) -> Result<Vec<Failure>, Failure> {
    let aliases = HashMap::new();
    let mut notes = Vec::new();
    for style in [Style::Unicode, Style::Latex] {
        let r = Renderer { g, style, diag_names: texts.diag_names, aliases: &aliases };
        let (src, lines) = program(&r, g, texts, variables);
        if lines.is_empty() {
            continue;
        }
        let failure = match read(&src, &lines) {
            Ok((back, roots)) => compare(g, &back, &lines, &roots, variables, dims, seed, style),
            Err((stage, why)) => Some(Failure::Unreadable { style, stage, why }),
        };
        match failure {
            Some(f) if f.fails() => return Err(f),
            Some(f) => notes.push(f),
            None => {}
        }
    }
    Ok(notes)
}

/// Evaluates each line read back against its value at [`POINTS`] points.
#[allow(clippy::too_many_arguments)]
fn compare(
    g: &Graph,
    back: &Graph,
    lines: &[Line],
    roots: &[Id],
    variables: &[Name],
    dims: &[Name],
    seed: u64,
    style: Style,
) -> Option<Failure> {
    let wants: Vec<Id> = lines.iter().map(|l| l.want).collect();
    let domains = numeric::infer_domains(g, &wants);
    let mut rng = numeric::Rng::new(seed);
    let (mut checked, mut attempts) = (0, 0);
    while checked < POINTS && attempts < ATTEMPTS {
        attempts += 1;
        let sizes = numeric::draw_sizes(dims.iter().copied(), &mut rng);
        let at = numeric::draw_point(g, variables, &domains, &sizes, &mut rng);
        let Ok(want) = numeric::eval(g, &wants, &at) else { continue };
        let got: Vec<Value> = match numeric::eval(back, roots, &at) {
            Ok(v) => v,
            Err(e) if e.is_domain() => {
                return Some(Failure::Differs {
                    style,
                    what: format!("the results (undefined where the derivative is defined: {e})"),
                    error: f64::INFINITY,
                });
            }
            Err(e) => return Some(Failure::Unreadable { style, stage: Stage::Shapes, why: e.to_string() }),
        };
        let mut allowance: Option<Vec<f64>> = None;
        for (k, ((line, got), want)) in lines.iter().zip(&got).zip(&want).enumerate() {
            let error = numeric::relative_error(got, want);
            if error > check::TOLERANCE {
                // the formula read back sums in another order: where its
                // terms cancel, rounding alone moves it (issue 17)
                let allowance = allowance.get_or_insert_with(|| {
                    check::rounding_allowance((back, roots), (g, &wants), &at, &mut rng).unwrap_or_default()
                });
                if error > check::TOLERANCE + allowance.get(k).copied().unwrap_or(0.0) {
                    return Some(Failure::Differs { style, what: line.what.clone(), error });
                }
            }
        }
        checked += 1;
    }
    None
}
