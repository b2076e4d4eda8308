//! Every rewrite rule, checked numerically by name. Each rule's left-hand
//! side is instantiated on small concrete shapes (its variables bound to
//! fresh names, numbers, functions or constants, as its guard and the
//! positions of its variables ask); the rule must fire in an e-graph that
//! holds that instance, and wherever it fires its two sides must agree at
//! random points. The rules in `REJECTED` are the negative control: the same
//! check must catch each of them.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use egg::{ENodeOrVar, Id, Language, Pattern, PatternAst, Rewrite, Runner, Var};

use matdiff::ir::graph::shape_of;
use matdiff::ir::{Constant, Func, Graph, Math, NameInfo, NameKind, Props};
use matdiff::name::Name;
use matdiff::num::Number;
use matdiff::numeric::{self, Rng, Value};
use matdiff::shape::{Dim, Shape};
use matdiff::simplify::analysis::{MathGraph, MatrixAnalysis};
use matdiff::simplify::apply::Make;
use matdiff::simplify::rules::{self, Pred, Rhs, Rule};

/// Instantiations checked per rule, at most.
const PER_RULE: usize = 4;
/// E-graph runs per rule, at most, whether the rule fires or not.
const TRIES: usize = 64;
/// Points per instantiation.
const POINTS: usize = 3;
/// Draws per instantiation, at most: a draw can fall outside a domain (a
/// singular sum under an inverse), and is then drawn again.
const DRAWS: usize = 12;
/// Bindings picked per rule, at most, counting those whose right-hand side
/// is ill-shaped (the applier refuses them; they are not run).
const PICKS: usize = 4 * TRIES;
/// Bindings enumerated per rule, at most.
const ENUMERATED: usize = 20_000;
const TOLERANCE: f64 = 1e-9;

/// The shapes a matrix variable is drawn from: every kind (scalar, column,
/// row, square, wide, tall) with sizes that differ, so that a rule that
/// confuses rows with columns, or assumes squareness, meets a shape that
/// shows it.
const SHAPES: [(u64, u64); 11] = [(3, 3), (4, 4), (3, 4), (2, 4), (4, 3), (4, 2), (3, 1), (4, 1), (1, 3), (1, 4), (1, 1)];

/// Exponents tried for exponent variables; the guard (`Integer`) decides.
const EXPONENTS: [(i64, i64); 4] = [(2, 1), (-1, 1), (3, 1), (1, 2)];

/// Functions tried for variables in function position.
const FUNCS: [Func; 3] = [Func::Tanh, Func::Exp, Func::Log];

fn shape(rows: u64, cols: u64) -> Shape {
    Shape::new(Dim::int(rows), Dim::int(cols))
}

/// What a pattern variable is bound to.
#[derive(Clone, Debug)]
enum Leaf {
    /// A fresh variable of this shape and these facts.
    Var(Shape, Props),
    Num(Number),
    Fun(Func),
    Identity(u64),
    Zero(Shape),
    /// `𝟙_n`, a column.
    Ones(u64),
    /// `𝟙_nᵀ`, a row.
    OnesRow(u64),
    /// `𝟙_m𝟙_nᵀ`.
    OnesMatrix(u64, u64),
    /// `Diag(v)` of a fresh `n×1` variable: symmetric by the analysis, not
    /// by declaration.
    Diag(u64),
    /// `exp(x)` of a fresh variable of this shape: positive by the
    /// analysis, not by declaration.
    Exp(Shape),
}

/// `scalar`, `column`, `row`, `square`, `wide` or `tall`.
fn shape_kind(s: &Shape) -> &'static str {
    let (r, c) = (s.rows.as_int().unwrap_or(0), s.cols.as_int().unwrap_or(0));
    match (r, c) {
        (1, 1) => "scalar",
        (_, 1) => "column",
        (1, _) => "row",
        _ if r == c => "square",
        _ if r < c => "wide",
        _ => "tall",
    }
}

impl Leaf {
    fn shape(&self) -> Shape {
        match self {
            Leaf::Var(s, _) | Leaf::Zero(s) | Leaf::Exp(s) => s.clone(),
            Leaf::Num(_) | Leaf::Fun(_) => Shape::scalar(),
            Leaf::Identity(n) => shape(*n, *n),
            Leaf::Ones(n) => shape(*n, 1),
            Leaf::OnesRow(n) => shape(1, *n),
            Leaf::OnesMatrix(m, n) => shape(*m, *n),
            Leaf::Diag(n) => shape(*n, *n),
        }
    }

    /// The leaf as a node of `g`; a `Var` is declared as `name`, the
    /// variable under `Diag` or `exp` as `name` followed by 0.
    fn build(&self, g: &mut Graph, name: &str) -> Id {
        let ones = |g: &mut Graph, n: u64| g.raw(Math::Const(Constant::Ones(Dim::int(n))));
        let var = |g: &mut Graph, name: &str, shape: Shape, props: Props| {
            let name = Name::new(name);
            g.declare(name, NameInfo { shape, props, kind: NameKind::Variable, def: None, span: None });
            g.sym(name)
        };
        match self {
            Leaf::Var(shape, props) => var(g, name, shape.clone(), *props),
            Leaf::Num(n) => g.raw(Math::Num(*n)),
            Leaf::Fun(f) => g.raw(Math::Fun(*f)),
            Leaf::Identity(n) => g.raw(Math::Const(Constant::Identity(Dim::int(*n)))),
            Leaf::Zero(s) => g.raw(Math::Const(Constant::Zero(s.clone()))),
            Leaf::Ones(n) => ones(g, *n),
            Leaf::OnesRow(n) => {
                let col = ones(g, *n);
                g.raw(Math::Trans(col))
            }
            Leaf::OnesMatrix(m, n) => {
                let col = ones(g, *m);
                let row = ones(g, *n);
                let row = g.raw(Math::Trans(row));
                g.raw(Math::Mul([col, row]))
            }
            Leaf::Diag(n) => {
                let v = var(g, &format!("{name}0"), shape(*n, 1), Props::NONE);
                g.raw(Math::DiagM(v))
            }
            Leaf::Exp(s) => {
                let x = var(g, &format!("{name}0"), s.clone(), Props::NONE);
                let exp = g.raw(Math::Fun(Func::Exp));
                g.raw(Math::Map([exp, x]))
            }
        }
    }

    /// The kind of leaf, for picking instantiations unlike each other.
    fn kind(&self) -> String {
        match self {
            Leaf::Var(s, p) => {
                let facts = [(p.symmetric, "+sym"), (p.positive, "+pos"), (p.probability, "+prob"), (p.centered, "+centered")];
                facts.iter().filter(|f| f.0).fold(shape_kind(s).to_string(), |k, f| k + f.1)
            }
            Leaf::Exp(s) => format!("exp {}", shape_kind(s)),
            Leaf::Diag(_) => "Diag".into(),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Leaf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Leaf::Var(s, p) => {
                write!(f, "{s}")?;
                if p.symmetric {
                    f.write_str(" symmetric")?;
                }
                if p.positive {
                    f.write_str(" positive")?;
                }
                if p.probability {
                    f.write_str(" probability")?;
                }
                if p.centered {
                    f.write_str(" centered")?;
                }
                Ok(())
            }
            Leaf::Num(n) => write!(f, "{n}"),
            Leaf::Fun(func) => write!(f, "{func}"),
            Leaf::Identity(n) => write!(f, "I[{n}]"),
            Leaf::Zero(s) => write!(f, "0[{s}]"),
            Leaf::Ones(n) => write!(f, "𝟙[{n}]"),
            Leaf::OnesRow(n) => write!(f, "𝟙[{n}]ᵀ"),
            Leaf::OnesMatrix(m, n) => write!(f, "𝟙[{m}]𝟙[{n}]ᵀ"),
            Leaf::Diag(n) => write!(f, "Diag(v) with v {n}×1"),
            Leaf::Exp(s) => write!(f, "exp(x) with x {s}"),
        }
    }
}

/// Where a variable occurs in the left-hand side, and what its guard asks.
#[derive(Default)]
struct Role {
    /// `?f` in `(map ?f ?a)`.
    function: bool,
    /// `?k` in `(pow ?a ?k)`, `(epow ?a ?k)`.
    exponent: bool,
    preds: Vec<Pred>,
}

fn roles(rule: &Rule, lhs: &Pattern<Math>) -> Vec<(Var, Role)> {
    let ast = lhs.ast.as_ref();
    let var_at = |c: Id| match &ast[usize::from(c)] {
        ENodeOrVar::Var(v) => Some(*v),
        ENodeOrVar::ENode(_) => None,
    };
    let mut out: Vec<(Var, Role)> = lhs.vars().into_iter().map(|v| (v, Role::default())).collect();
    fn role(out: &mut [(Var, Role)], v: Var) -> &mut Role {
        out.iter_mut().find(|(w, _)| *w == v).map(|(_, r)| r).expect("a variable of the pattern")
    }
    for node in ast {
        match node {
            ENodeOrVar::ENode(Math::Map([f, _])) => {
                if let Some(v) = var_at(*f) {
                    role(&mut out, v).function = true;
                }
            }
            ENodeOrVar::ENode(Math::Pow([_, k]) | Math::EPow([_, k])) => {
                if let Some(v) = var_at(*k) {
                    role(&mut out, v).exponent = true;
                }
            }
            _ => {}
        }
    }
    for (pred, v) in rule.guard {
        let v: Var = v.parse().expect("a pattern variable");
        role(&mut out, v).preds.push(*pred);
    }
    out
}

/// Whether a value of shape `s` can satisfy the shape part of `preds`.
fn fits(s: &Shape, preds: &[Pred]) -> bool {
    preds.iter().all(|p| match p {
        Pred::Scalar => s.is_scalar(),
        Pred::NotScalar => !s.is_scalar(),
        Pred::Column => s.is_column(),
        Pred::Row => s.is_row(),
        Pred::Symmetric | Pred::Diagonal => s.is_square(),
        // a probability column of one entry is the constant 1
        Pred::Probability | Pred::Centered => !s.rows.is_one(),
        _ => true,
    })
}

/// The leaves a variable may be bound to: functions in function position,
/// numbers as exponents (the `Integer` guard then picks), the constants an
/// `Identity`, `Zero` or `AllOnes` guard looks for, and otherwise fresh
/// variables of every shape, symmetric or positive where the guard says;
/// for `Symmetric` and `Diagonal` also `Diag(v)`, for `Positive` also
/// `exp(x)`, whose facts
/// the analysis derives. Only leaves whose shape the guard allows are
/// offered; the guard itself is still what decides, in the e-graph.
fn candidates(role: &Role) -> Vec<Leaf> {
    let has = |p: Pred| role.preds.contains(&p);
    let all: Vec<Leaf> = if role.function {
        FUNCS.iter().map(|&f| Leaf::Fun(f)).collect()
    } else if role.exponent || has(Pred::Integer) {
        EXPONENTS.iter().map(|&(n, d)| Leaf::Num(Number::ratio(n, d).expect("a nonzero denominator"))).collect()
    } else if has(Pred::Identity) {
        vec![Leaf::Identity(3), Leaf::Identity(4), Leaf::Num(Number::ONE)]
    } else if has(Pred::Zero) {
        let zeros = SHAPES.iter().filter(|&&(r, c)| (r, c) != (1, 1)).map(|&(r, c)| Leaf::Zero(shape(r, c)));
        zeros.chain([Leaf::Num(Number::ZERO)]).collect()
    } else if has(Pred::AllOnes) {
        vec![
            Leaf::Ones(3),
            Leaf::Ones(4),
            Leaf::OnesRow(3),
            Leaf::OnesMatrix(3, 4),
            Leaf::OnesMatrix(3, 3),
            Leaf::Num(Number::ONE),
        ]
    } else {
        let (symmetric, positive, diagonal) = (has(Pred::Symmetric), has(Pred::Positive), has(Pred::Diagonal));
        let (probability, centered) = (has(Pred::Probability), has(Pred::Centered));
        let props = Props { symmetric: symmetric || diagonal, positive, diagonal, probability, centered, ..Props::NONE };
        // each shape's compound right after its variable, so that both kinds come early
        let mut leaves: Vec<Leaf> = Vec::new();
        for &(r, c) in &SHAPES {
            // diagonal values come only from Diag(v): draws are not diagonal
            if !diagonal {
                leaves.push(Leaf::Var(shape(r, c), props));
            }
            if (symmetric || diagonal) && !positive && r == c && r > 1 {
                leaves.push(Leaf::Diag(r));
            }
            if positive && !symmetric {
                leaves.push(Leaf::Exp(shape(r, c)));
            }
        }
        leaves
    };
    all.into_iter().filter(|leaf| fits(&leaf.shape(), &role.preds)).collect()
}

/// The shape of `ast` with its variables of the given shapes, if every node
/// fits (patterns mention no names).
fn shape_under(ast: &PatternAst<Math>, var: impl Fn(Var) -> Option<Shape>) -> Option<Shape> {
    let mut shapes: Vec<Shape> = Vec::with_capacity(ast.len());
    for node in ast.as_ref() {
        let s = match node {
            ENodeOrVar::Var(v) => var(*v)?,
            ENodeOrVar::ENode(n) => {
                if n.children().iter().any(|&c| usize::from(c) >= shapes.len()) {
                    return None;
                }
                shape_of(n, |c| shapes[usize::from(c)].clone(), |_| None)?
            }
        };
        shapes.push(s);
    }
    shapes.pop()
}

/// `ast` built in `g` with its variables bound as in `bound`; `None` where
/// a node would be ill-shaped. With `fold`, a node over numbers is the
/// number the e-graph's analysis folds it to (see [`folded`]).
fn instantiate(g: &mut Graph, ast: &PatternAst<Math>, bound: &HashMap<Var, Id>, fold: bool) -> Option<Id> {
    shape_under(ast, |v| bound.get(&v).map(|&id| g.shape(id).clone()))?;
    let mut ids: Vec<Id> = Vec::with_capacity(ast.len());
    for node in ast.as_ref() {
        let id = match node {
            ENodeOrVar::Var(v) => bound[v],
            ENodeOrVar::ENode(n) => {
                let n = n.clone().map_children(|c| ids[usize::from(c)]);
                if fold { folded(g, n) } else { g.raw(n) }
            }
        };
        ids.push(id);
    }
    ids.pop()
}

/// `node`, or the number it folds to when its children are numbers. A rule
/// such as `A·Aᵏ = Aᵏ⁺¹` builds the exponent `(+ ?k 1)`; in the e-graph the
/// analysis puts the number `k + 1` in that class, and only a number can be
/// evaluated as an exponent. The fold is the analysis's own, so the harness
/// builds the term the e-graph holds.
fn folded(g: &mut Graph, node: Math) -> Id {
    let nums: Option<Vec<Number>> = node.children().iter().map(|&c| g.num_value(c)).collect();
    if let Some(nums) = nums.filter(|n| !n.is_empty()) {
        let mut e = MathGraph::new(MatrixAnalysis::default());
        let mut k = nums.into_iter();
        let n = node.clone().map_children(|_| e.add(Math::Num(k.next().expect("one number per child"))));
        let id = e.add(n);
        if let Some(x) = e[id].data.num {
            return g.num(x);
        }
    }
    g.raw(node)
}

/// The constant `Make` builds for a match of shape `s` (as `apply::Make`
/// does: a number for a scalar, none for a non-square identity).
fn made(g: &mut Graph, what: Make, s: &Shape) -> Option<Id> {
    Some(match what {
        Make::Zero => g.zero(s.clone()),
        Make::Identity if s.is_square() => g.identity(s.rows.clone()),
        Make::Identity => return None,
        Make::Ones => g.ones_like(s),
    })
}

/// A rule ready to be instantiated.
struct Prepared {
    rule: Rule,
    rewrite: Rewrite<Math, MatrixAnalysis>,
    lhs: Pattern<Math>,
    rhs: Option<Pattern<Math>>,
    vars: Vec<Var>,
    candidates: Vec<Vec<Leaf>>,
}

impl Prepared {
    fn new(rule: &Rule) -> Prepared {
        let lhs: Pattern<Math> = rule.lhs.parse().unwrap_or_else(|e| panic!("rule {}: {e}", rule.name));
        let rhs = match rule.rhs {
            Rhs::Pattern(p) | Rhs::WithUnit(p, _) => Some(p.parse().unwrap_or_else(|e| panic!("rule {}: {e}", rule.name))),
            Rhs::Make(_) | Rhs::MakeThen(..) => None,
        };
        let roles = roles(rule, &lhs);
        let vars = roles.iter().map(|(v, _)| *v).collect();
        let candidates = roles.iter().map(|(_, r)| candidates(r)).collect();
        Prepared { rule: *rule, rewrite: rules::rewrite(rule), lhs, rhs, vars, candidates }
    }

    /// The leaves of the binding `choice` (an index into each variable's
    /// candidates).
    fn leaves(&self, choice: &[usize]) -> Vec<&Leaf> {
        choice.iter().zip(&self.candidates).map(|(&i, c)| &c[i]).collect()
    }

    /// Whether the left-hand side is well-shaped under `choice`.
    fn well_shaped(&self, choice: &[usize]) -> bool {
        let leaves = self.leaves(choice);
        shape_under(&self.lhs.ast, |v| self.vars.iter().position(|w| *w == v).map(|i| leaves[i].shape())).is_some()
    }

    /// Every well-shaped binding, at most `ENUMERATED`, in a fixed order.
    fn bindings(&self) -> Vec<Vec<usize>> {
        let mut out = Vec::new();
        if self.candidates.iter().any(Vec::is_empty) {
            return out;
        }
        let mut choice = vec![0; self.vars.len()];
        let mut visited = 0;
        loop {
            if self.well_shaped(&choice) {
                out.push(choice.clone());
            }
            visited += 1;
            // the next choice, the last variable fastest
            let mut i = choice.len();
            loop {
                if i == 0 || visited == ENUMERATED {
                    return out;
                }
                i -= 1;
                choice[i] += 1;
                if choice[i] < self.candidates[i].len() {
                    break;
                }
                choice[i] = 0;
            }
        }
    }

    /// The instance of the rule under `choice`: both sides built in a fresh
    /// graph; `None` where the right-hand side is ill-shaped or of another
    /// shape (the applier refuses those).
    fn instance(&self, choice: &[usize]) -> Option<Instance> {
        let mut g = Graph::new();
        let mut bound: HashMap<Var, Id> = HashMap::new();
        let leaves = self.leaves(choice);
        for (v, leaf) in self.vars.iter().zip(&leaves) {
            bound.insert(*v, leaf.build(&mut g, v.to_string().trim_start_matches('?')));
        }
        let lhs = instantiate(&mut g, &self.lhs.ast, &bound, false)?;
        let want = g.shape(lhs).clone();
        let rhs = match (self.rule.rhs, &self.rhs) {
            (Rhs::Make(what), _) => made(&mut g, what, &want)?,
            // `(* C ?rest)`: C shaped like the pair it replaces
            (Rhs::MakeThen(what, pair), _) => {
                let rest = bound[&"?rest".parse::<Var>().expect("a variable")];
                let pair: Pattern<Math> = pair.parse().expect("a pattern");
                let pair = instantiate(&mut g, &pair.ast, &bound, false)?;
                let shape = g.shape(pair).clone();
                let c = made(&mut g, what, &shape)?;
                g.raw(Math::Mul([c, rest]))
            }
            (Rhs::WithUnit(_, unit), Some(p)) => {
                let (what, shape) = unit.make(&want);
                let i = made(&mut g, what, &shape)?;
                bound.insert("?i".parse().expect("a variable"), i);
                instantiate(&mut g, &p.ast, &bound, true)?
            }
            (_, Some(p)) => instantiate(&mut g, &p.ast, &bound, true)?,
            (_, None) => unreachable!("a pattern rule has a pattern"),
        };
        if g.shape(rhs) != &want {
            return None;
        }
        let text = self.vars.iter().zip(&leaves).map(|(v, l)| format!("{v} = {l}")).collect::<Vec<_>>().join(", ");
        Some(Instance { g, lhs, rhs, text })
    }

    /// Whether the rule, run alone for one iteration on an e-graph holding
    /// the left-hand side, puts the right-hand side in its class. An
    /// instance whose sides are already one class (by constant folding)
    /// teaches nothing, and does not count.
    fn fires(&self, inst: &Instance) -> bool {
        let (expr, positions) = inst.g.extract(&[inst.lhs]);
        let mut egraph = MathGraph::new(MatrixAnalysis::of(&inst.g, expr.as_ref()));
        let mut ids: Vec<Id> = Vec::with_capacity(expr.len());
        for node in expr.as_ref() {
            let node = node.clone().map_children(|c| ids[usize::from(c)]);
            ids.push(egraph.add(node));
        }
        let root = ids[usize::from(positions[0])];
        egraph.rebuild();
        let (rhs, _) = inst.g.extract(&[inst.rhs]);
        let joined = |e: &MathGraph| e.lookup_expr(&rhs).map(|id| e.find(id)) == Some(e.find(root));
        if joined(&egraph) {
            return false;
        }
        let runner = Runner::default().with_egraph(egraph).with_iter_limit(1).run([&self.rewrite]);
        joined(&runner.egraph)
    }
}

/// Both sides of one instantiation, built in one graph.
struct Instance {
    g: Graph,
    lhs: Id,
    rhs: Id,
    /// The binding, for messages: `?a = 3×4, ?k = 2`.
    text: String,
}

/// What the numbers say about one instantiation.
enum Verdict {
    /// The sides agree at every point; the largest relative error.
    Sound(f64),
    /// They differ at a point: the relative error and the values there.
    Unsound(f64, String),
    /// The left-hand side is defined but the right-hand side is not.
    RhsUndefined(String),
    /// The left-hand side cannot be evaluated (a matrix to the power ½):
    /// nothing to compare.
    Unevaluable(String),
}

/// A value on one line: `[1.000, 2.000; 3.000, 4.000]`.
fn one_line(v: &Value) -> String {
    if v.len() == 1 {
        return format!("{:.4}", v[0]);
    }
    let rows: Vec<String> = v.row_iter().map(|r| r.iter().map(|x| format!("{x:.4}")).collect::<Vec<_>>().join(", ")).collect();
    format!("[{}]", rows.join("; "))
}

/// A seed from a rule's name, so each rule draws its own points.
fn seed(name: &str, k: usize) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)) ^ k as u64
}

/// Evaluates both sides at up to `POINTS` random points, drawn inside the
/// domains the two sides need (positive under `log`, invertible under an
/// inverse) and with the facts the variables were declared with.
fn check(inst: &Instance, seed: u64) -> Verdict {
    let g = &inst.g;
    let domains = numeric::infer_domains(g, &[inst.lhs, inst.rhs]);
    let names: Vec<Name> = g.names.keys().copied().collect();
    let mut rng = Rng::new(seed);
    let (mut good, mut lhs_defined, mut worst) = (0, false, 0.0f64);
    let mut last = String::from("no point inside the domain");
    for _ in 0..DRAWS {
        if good == POINTS {
            break;
        }
        let point = numeric::draw_point(g, &names, &domains, &HashMap::new(), &mut rng);
        let l = match numeric::eval_one(g, inst.lhs, &point) {
            Ok(l) => l,
            Err(e) if e.is_domain() => continue,
            Err(e) => return Verdict::Unevaluable(e.to_string()),
        };
        lhs_defined = true;
        let r = match numeric::eval_one(g, inst.rhs, &point) {
            Ok(r) => r,
            Err(e) if e.is_domain() => {
                last = e.to_string();
                continue;
            }
            Err(e) => return Verdict::RhsUndefined(e.to_string()),
        };
        let err = numeric::relative_error(&r, &l);
        if err.is_nan() || err >= TOLERANCE {
            let mut at: Vec<String> = names.iter().map(|n| format!("{n} = {}", one_line(&point.values[n]))).collect();
            at.push(format!("lhs = {}", one_line(&l)));
            at.push(format!("rhs = {}", one_line(&r)));
            return Verdict::Unsound(err, at.join("\n    "));
        }
        worst = worst.max(err);
        good += 1;
    }
    match (good, lhs_defined) {
        (0, true) => Verdict::RhsUndefined(last),
        (0, false) => Verdict::Unevaluable(last),
        _ => Verdict::Sound(worst),
    }
}

/// What exercising one rule found.
struct Report {
    /// E-graph runs.
    tried: usize,
    /// Instantiations on which the rule fired, with their verdicts.
    fired: Vec<(String, Verdict)>,
    /// Panics while running or evaluating, with the instantiation.
    panics: Vec<String>,
}

impl Report {
    /// Instantiations compared numerically.
    fn checked(&self) -> usize {
        self.fired.iter().filter(|(_, v)| !matches!(v, Verdict::Unevaluable(_))).count()
    }
}

/// Finds up to `want` instantiations on which `rule` fires and checks each.
/// Each next binding tried is the one that gives the most variables a kind
/// of leaf (`square`, `wide`, `row`, `I[3]`…) not tried yet for them; among
/// those, the one with the fewest scalars (a scalar makes a product commute
/// and hides what a matrix would show), then the first in a fixed order.
fn exercise(rule: &Rule, want: usize) -> Report {
    let prepared = Prepared::new(rule);
    let mut bindings = prepared.bindings();
    let scalars =
        |choice: &Vec<usize>| prepared.leaves(choice).iter().filter(|l| matches!(l, Leaf::Var(s, _) if s.is_scalar())).count();
    bindings.sort_by_key(scalars);
    // each candidate's kind, as an index into its variable's list of kinds
    let kinds: Vec<Vec<usize>> = prepared
        .candidates
        .iter()
        .map(|leaves| {
            let mut seen: Vec<String> = Vec::new();
            leaves
                .iter()
                .map(|l| {
                    let k = l.kind();
                    seen.iter().position(|s| *s == k).unwrap_or_else(|| {
                        seen.push(k);
                        seen.len() - 1
                    })
                })
                .collect()
        })
        .collect();
    let mut tried: Vec<HashSet<usize>> = vec![HashSet::new(); prepared.vars.len()];
    let mut used = vec![false; bindings.len()];

    let mut report = Report { tried: 0, fired: Vec::new(), panics: Vec::new() };
    for _ in 0..PICKS {
        if report.tried == TRIES || report.checked() == want {
            break;
        }
        let novelty = |c: &[usize]| c.iter().enumerate().filter(|&(v, &i)| !tried[v].contains(&kinds[v][i])).count();
        let next = (0..bindings.len()).filter(|&i| !used[i]).max_by_key(|&i| (novelty(&bindings[i]), Reverse(i)));
        let Some(next) = next else { break };
        used[next] = true;
        let choice = &bindings[next];
        let Some(inst) = prepared.instance(choice) else { continue };
        for (v, &i) in choice.iter().enumerate() {
            tried[v].insert(kinds[v][i]);
        }
        report.tried += 1;
        let k = report.tried;
        let run = catch_unwind(AssertUnwindSafe(|| prepared.fires(&inst).then(|| check(&inst, seed(rule.name, k)))));
        match run {
            Ok(Some(verdict)) => report.fired.push((inst.text, verdict)),
            Ok(None) => {}
            Err(e) => {
                let msg = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
                report.panics.push(format!("{}: panicked: {}", inst.text, msg.unwrap_or_default()));
            }
        }
    }
    report
}

#[test]
fn every_rule_fires_and_is_sound_where_it_fires() {
    let mut failures: Vec<String> = Vec::new();
    let (mut rules_checked, mut instances) = (0, 0);
    for rule in rules::all_rules() {
        let report = exercise(&rule, PER_RULE);
        let name = rule.name;
        failures.extend(report.panics.iter().map(|p| format!("{name}: {p}")));
        if report.fired.is_empty() {
            failures.push(format!("{name}: never exercised ({} instantiations tried)", report.tried));
            continue;
        }
        if report.checked() == 0 {
            let why: Vec<String> = report.fired.iter().map(|(t, v)| format!("{t}: {}", describe(v))).collect();
            failures.push(format!("{name}: never checked numerically ({})", why.join("; ")));
        }
        for (text, verdict) in &report.fired {
            match verdict {
                Verdict::Unsound(..) | Verdict::RhsUndefined(_) => {
                    failures.push(format!("{name} ({}) on {text}: {}", rule.why, describe(verdict)))
                }
                Verdict::Sound(_) | Verdict::Unevaluable(_) => {}
            }
        }
        rules_checked += 1;
        instances += report.checked();
        let shown: Vec<String> = report.fired.iter().map(|(t, v)| format!("[{t}] {}", describe(v))).collect();
        println!("{name}: {}", shown.join("  "));
    }
    println!("{rules_checked} rules, {instances} instantiations compared numerically");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

fn describe(v: &Verdict) -> String {
    match v {
        Verdict::Sound(e) => format!("sound (error {e:.1e})"),
        Verdict::Unsound(e, at) => format!("UNSOUND, relative error {e:.3e} at\n    {at}"),
        Verdict::RhsUndefined(m) => format!("the right-hand side is undefined where the left is not: {m}"),
        Verdict::Unevaluable(m) => format!("not evaluable: {m}"),
    }
}

/// The negative control: each rejected rule fires, and the check finds it
/// unsound, so the check above can fail.
#[test]
fn every_rejected_rule_is_caught() {
    let mut failures: Vec<String> = Vec::new();
    for (rule, counterexample) in rules::REJECTED {
        let report = exercise(rule, PER_RULE);
        let caught = report.fired.iter().find(|(_, v)| matches!(v, Verdict::Unsound(..)));
        match caught {
            Some((text, verdict)) => {
                println!("{} ({}; {counterexample}): caught on {text}: {}", rule.name, rule.why, describe(verdict))
            }
            None => {
                let seen: Vec<String> = report.fired.iter().map(|(t, v)| format!("{t}: {}", describe(v))).collect();
                failures.push(format!("{}: not caught ({} tried; fired on: {})", rule.name, report.tried, seen.join("; ")));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `family-what`: lowercase words of letters and digits joined by single
/// hyphens, at least two of them.
fn is_kebab(name: &str) -> bool {
    let words: Vec<&str> = name.split('-').collect();
    words.len() >= 2
        && words.iter().all(|w| {
            w.starts_with(|c: char| c.is_ascii_lowercase()) && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

#[test]
fn rule_tables_are_well_formed() {
    let mut names = HashSet::new();
    let rejected = rules::REJECTED.iter().map(|(r, _)| r);
    let mut problems: Vec<String> = Vec::new();
    let tables = rules::tables();
    let mut listed: Vec<Rule> = tables.iter().flat_map(|(_, t)| t.iter().copied()).collect();
    // all_rules() is the tables plus the generated in-chain extensions
    let generated: Vec<Rule> = listed.iter().filter_map(rules::in_chain).collect();
    assert_eq!(listed.len() + generated.len(), rules::all_rules().len());
    listed.extend(generated);
    for rule in listed.iter().chain(rejected) {
        let name = rule.name;
        if !names.insert(name) {
            problems.push(format!("{name}: the name is used twice"));
        }
        if !is_kebab(name) {
            problems.push(format!("{name}: not a kebab-case family-what name"));
        }
        if rule.why.trim().is_empty() {
            problems.push(format!("{name}: no why"));
        }
        // parses, and egg accepts it (every variable of the right-hand side is bound)
        let _ = rules::rewrite(rule);
        let lhs: Pattern<Math> = rule.lhs.parse().expect("parsed by rewrite");
        let vars = lhs.vars();
        for (_, v) in rule.guard {
            let v: Result<Var, _> = v.parse();
            if !v.as_ref().is_ok_and(|v| vars.contains(v)) {
                problems.push(format!("{name}: the guard names {v:?}, not a variable of the left-hand side"));
            }
        }
        if let Rhs::WithUnit(p, _) = rule.rhs {
            let p: Pattern<Math> = p.parse().expect("parsed by rewrite");
            if !p.vars().contains(&"?i".parse().expect("a variable")) {
                problems.push(format!("{name}: an identity rule whose right-hand side has no ?i"));
            }
        }
        if !rule.phases.normalize && !rule.phases.factor {
            problems.push(format!("{name}: in no phase"));
        }
    }
    for (rule, counterexample) in rules::REJECTED {
        if counterexample.trim().is_empty() {
            problems.push(format!("{}: rejected without a counterexample", rule.name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
