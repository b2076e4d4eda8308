//! Evaluation of IR nodes at a point: every value is a dense `f64` matrix
//! (scalars are 1×1), computed once per node, children first.
//!
//! Architecture invariant: no recursion on expression depth. Reachable nodes
//! are found with an explicit stack and evaluated in increasing id order,
//! which the arena guarantees is children first (a definition's expression
//! has a smaller id than the `Sym` that names it; both are checked). A value
//! is dropped as soon as its last reader has used it, so memory follows the
//! width of the expression, not its size.
//!
//! Nothing here panics on any values or sizes: operands that do not fit, a
//! missing variable or size, and a point outside an operation's domain are
//! all [`EvalError`]s.

use std::collections::HashMap;
use std::fmt;

use egg::{Id, Language};
use nalgebra::DMatrix;

use super::rng::Rng;
use crate::ir::{Constant, Func, Graph, Math};
use crate::name::Name;
use crate::num::Number;
use crate::shape::{Dim, Shape};

/// The value of any node: an `r×c` matrix; a scalar is `1×1`.
pub type Value = DMatrix<f64>;

/// Where to evaluate: sizes of the named dimensions, values of variables,
/// and values of differentials.
#[derive(Clone, Debug, Default)]
pub struct Point {
    /// The size of every named dimension the evaluated nodes mention.
    pub sizes: HashMap<Name, usize>,
    /// Values of variables. A value given for a defined name overrides its
    /// definition (to check a step with respect to an intermediate quantity).
    pub values: HashMap<Name, Value>,
    /// Values of `d(name)`, for checking differentials.
    pub diffs: HashMap<Name, Value>,
}

impl Point {
    pub fn new() -> Point {
        Point::default()
    }

    /// This point with `var` set to `value`.
    pub fn with(&self, var: Name, value: Value) -> Point {
        let mut p = self.clone();
        p.values.insert(var, value);
        p
    }
}

/// Why a node has no value at a point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvalError {
    /// The point is outside an operation's domain (log of a non-positive
    /// entry, inverse of a singular matrix…) or a result is not finite.
    /// Another point may do: the caller resamples.
    Domain(String),
    /// The point has no value for a variable or differential, or no size
    /// for a dimension.
    Missing(String),
    /// Sizes that do not fit: a value of the wrong shape for its name, or
    /// operands that do not fit together. Shapes are checked before
    /// evaluation, so this is a bug in matdiff (or in the point it built).
    Size(String),
    /// An operation the evaluator cannot carry out, such as a matrix to a
    /// non-integer power.
    Unsupported(String),
    /// A value with more than [`MAX_ENTRIES`] entries: declared sizes too
    /// large to evaluate at (another point will not do).
    TooLarge(String),
    /// The graph breaks an invariant of the arena (a child or definition
    /// with a larger id, a root that is not a node): a bug in matdiff.
    Malformed(String),
}

impl EvalError {
    /// True when another point might succeed.
    pub fn is_domain(&self) -> bool {
        matches!(self, EvalError::Domain(_))
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::Domain(m) => write!(f, "outside the domain: {m}"),
            EvalError::Missing(m) => write!(f, "missing: {m}"),
            EvalError::Size(m) => write!(f, "sizes do not fit: {m}"),
            EvalError::Unsupported(m) => write!(f, "cannot evaluate: {m}"),
            EvalError::TooLarge(m) => write!(f, "{m} is too large to evaluate (more than {MAX_ENTRIES} entries)"),
            EvalError::Malformed(m) => write!(f, "malformed graph: {m}"),
        }
    }
}

impl std::error::Error for EvalError {}

type Result<T> = std::result::Result<T, EvalError>;

/// No value may have more entries than this: sizes that large can only come
/// from a bug, and allocating them would abort the process.
const MAX_ENTRIES: usize = 1 << 22;

/// An LU pivot this small relative to the largest one makes the matrix
/// singular for `logdet` and the inverse.
const SINGULAR_PIVOT: f64 = 1e-12;

/// An inverse whose 1-norm condition number exceeds this is refused: finite
/// differences through it would be noise.
const MAX_CONDITION: f64 = 1e12;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    Open,
    Done,
}

/// The values of `roots` at `at`.
pub fn eval(g: &Graph, roots: &[Id], at: &Point) -> Result<Vec<Value>> {
    evaluate(g, roots, at, None)
}

/// The values of `roots` at `at` as a computation whose every operation
/// rounds differently would give them: each computed node's value (not
/// the variables') is multiplied entry by entry by `1 + relative·u`, `u` uniform in
/// `[−1, 1)` from `rng`. How far the results move estimates how much
/// rounding can move them (the CESTAC method of stochastic arithmetic:
/// J. Vignes, "Discrete stochastic arithmetic for validating results of
/// numerical software", Numer. Algorithms 37, 2004): a difference of two
/// large terms that cancel moves by the size of the terms, not of the
/// result.
pub fn eval_perturbed(g: &Graph, roots: &[Id], at: &Point, rng: &mut Rng, relative: f64) -> Result<Vec<Value>> {
    evaluate(g, roots, at, Some((rng, relative)))
}

fn evaluate(g: &Graph, roots: &[Id], at: &Point, mut perturb: Option<(&mut Rng, f64)>) -> Result<Vec<Value>> {
    let n = g.len();
    if let Some(r) = roots.iter().find(|r| usize::from(**r) >= n) {
        return Err(EvalError::Malformed(format!("root {r} is not a node")));
    }
    // Reachable nodes, each after its inputs (a name's definition is an
    // input, and may have been built after the name: a simplified adjoint),
    // and for each, how many readers it has.
    let mut readers = vec![0u32; n];
    let mut state = vec![Visit::New; n];
    // each node with its inputs, found once (a name's need hashing)
    let mut order: Vec<(Id, Inputs)> = Vec::new();
    let mut stack: Vec<(Id, Option<Inputs>)> = roots.iter().map(|&r| (r, None)).collect();
    while let Some((id, expanded)) = stack.pop() {
        let i = usize::from(id);
        if let Some(ins) = expanded {
            state[i] = Visit::Done;
            order.push((id, ins));
            continue;
        }
        if state[i] != Visit::New {
            continue;
        }
        state[i] = Visit::Open;
        let ins = inputs(g, id, at)?;
        stack.push((id, Some(ins.clone())));
        for c in ins.iter() {
            readers[usize::from(c)] += 1;
            match state[usize::from(c)] {
                Visit::New => stack.push((c, None)),
                Visit::Open => return Err(EvalError::Malformed(format!("node {id} depends on itself"))),
                Visit::Done => {}
            }
        }
    }

    let mut is_root = vec![false; n];
    for &r in roots {
        is_root[usize::from(r)] = true;
    }
    let sizes = Sizes::new(&at.sizes);
    let mut values: Vec<Option<Held>> = vec![None; n];
    for (id, ins) in order {
        let value = match g.node(id) {
            // a name's value is shared, not copied: the point's, or its
            // definition's
            Math::Sym(name) => match at.values.get(name) {
                Some(x) => Held::Point(x),
                None => match g.names.get(name).and_then(|info| info.def) {
                    Some(def) => get(&values, def)?.clone(),
                    None => Held::Computed(std::rc::Rc::new(node_value(g, id, &values, at, &sizes)?)),
                },
            },
            _ => Held::Computed(std::rc::Rc::new(node_value(g, id, &values, at, &sizes)?)),
        };
        // the variables' values are exact; a name's value is perturbed
        // where it is computed, not again
        let value = match &mut perturb {
            Some((rng, relative)) if !matches!(g.node(id), Math::Sym(_)) => {
                let mut v = Value::clone(&value);
                v.iter_mut().for_each(|x| *x *= 1.0 + *relative * rng.uniform(-1.0, 1.0));
                Held::Computed(std::rc::Rc::new(v))
            }
            _ => value,
        };
        check_value(g, id, &value, &sizes)?;
        for c in ins.iter() {
            let r = &mut readers[usize::from(c)];
            *r -= 1;
            if *r == 0 && !is_root[usize::from(c)] {
                values[usize::from(c)] = None;
            }
        }
        values[usize::from(id)] = Some(value);
    }
    roots.iter().map(|&r| get(&values, r).map(|v| Value::clone(v))).collect()
}

/// A value computed by [`eval`], or one it reads from the point.
#[derive(Clone)]
enum Held<'a> {
    Point(&'a Value),
    Computed(std::rc::Rc<Value>),
}

impl std::ops::Deref for Held<'_> {
    type Target = Value;
    fn deref(&self) -> &Value {
        match self {
            Held::Point(v) => v,
            Held::Computed(v) => v,
        }
    }
}

/// The value of one node.
pub fn eval_one(g: &Graph, root: Id, at: &Point) -> Result<Value> {
    let mut v = eval(g, &[root], at)?;
    v.pop().ok_or_else(|| EvalError::Malformed("no value for the root".into()))
}

/// The size of `shape` for the dimension sizes in `sizes`.
pub fn size_of(shape: &Shape, sizes: &HashMap<Name, usize>) -> Result<(usize, usize)> {
    Sizes::new(sizes).shape(shape)
}

/// The exponent of `Pow`/`EPow` as an integer, when it is one (exact
/// rationals, and reals with no fractional part).
pub(crate) fn integer_exponent(k: Number) -> Option<i64> {
    k.as_int().or_else(|| {
        let x = k.to_f64();
        (x.fract() == 0.0 && x.abs() < 9.0e15).then_some(x as i64)
    })
}

/// Up to two node ids whose values a node reads.
#[derive(Clone)]
struct Inputs {
    ids: [Id; 2],
    len: usize,
}

impl Inputs {
    fn of(ids: &[Id]) -> Inputs {
        let mut out = Inputs { ids: [Id::from(0); 2], len: ids.len() };
        out.ids[..ids.len()].copy_from_slice(ids);
        out
    }
    fn iter(&self) -> impl Iterator<Item = Id> + '_ {
        self.ids[..self.len].iter().copied()
    }
}

/// The nodes whose values `id` reads: its children, except the function of
/// a `Map`, the exponent of a power, the shape-giver of `Unvec` and the name
/// under `d` (those are read from the graph); the definition of a `Sym`
/// unless the point overrides it.
fn inputs(g: &Graph, id: Id, at: &Point) -> Result<Inputs> {
    let node = g.node(id);
    let ins = match node {
        Math::Sym(name) => match g.names.get(name).and_then(|info| info.def) {
            Some(def) if !at.values.contains_key(name) => Inputs::of(&[def]),
            _ => Inputs::of(&[]),
        },
        Math::Map([_, x]) | Math::Pow([x, _]) | Math::EPow([x, _]) | Math::Unvec([x, _]) => Inputs::of(&[*x]),
        Math::Diff(_) => Inputs::of(&[]),
        _ => Inputs::of(node.children()),
    };
    if let Some(c) = node.children().iter().find(|&&c| c >= id) {
        return Err(EvalError::Malformed(format!("node {id} has child {c}, not below it")));
    }
    Ok(ins)
}

fn get<'v, 'a>(values: &'v [Option<Held<'a>>], id: Id) -> Result<&'v Held<'a>> {
    values
        .get(usize::from(id))
        .and_then(Option::as_ref)
        .ok_or_else(|| EvalError::Malformed(format!("node {id} read before it was evaluated")))
}

/// Sizes of dimensions at the point, each computed once: every node's
/// shape is checked, and a program has few distinct dimensions but may have
/// tens of thousands of nodes.
struct Sizes<'a> {
    named: &'a HashMap<Name, usize>,
    known: std::cell::RefCell<Vec<(Dim, usize)>>,
}

impl<'a> Sizes<'a> {
    fn new(named: &'a HashMap<Name, usize>) -> Sizes<'a> {
        Sizes { named, known: Default::default() }
    }

    fn dim(&self, d: &Dim) -> Result<usize> {
        if let Some((_, n)) = self.known.borrow().iter().find(|(k, _)| k == d) {
            return Ok(*n);
        }
        let n = self.compute(d)?;
        let mut known = self.known.borrow_mut();
        // a linear search stays cheap: past a few dozen, compute each time
        if known.len() < 32 {
            known.push((d.clone(), n));
        }
        Ok(n)
    }

    fn compute(&self, d: &Dim) -> Result<usize> {
        for name in d.names() {
            match self.named.get(&name) {
                None => return Err(EvalError::Missing(format!("no size for dimension {name}"))),
                Some(0) => return Err(EvalError::Size(format!("dimension {name} has size 0"))),
                Some(_) => {}
            }
        }
        let n = d.eval(&|name| self.named.get(&name).copied().unwrap_or(1));
        if n == 0 {
            return Err(EvalError::Size(format!("dimension {d} is 0")));
        }
        if n > MAX_ENTRIES {
            return Err(EvalError::TooLarge(format!("a dimension of {n}")));
        }
        Ok(n)
    }

    fn shape(&self, s: &Shape) -> Result<(usize, usize)> {
        let (r, c) = (self.dim(&s.rows)?, self.dim(&s.cols)?);
        if r.saturating_mul(c) > MAX_ENTRIES {
            return Err(EvalError::TooLarge(format!("a {r}×{c} value")));
        }
        Ok((r, c))
    }
}

/// What a node is called in messages.
fn describe(g: &Graph, node: &Math) -> String {
    let name = match node {
        Math::Sym(n) => return format!("the value of {n}"),
        Math::Diff(s) => {
            return match g.node(*s) {
                Math::Sym(n) => format!("the value of d{n}"),
                _ => "a differential".into(),
            };
        }
        Math::Map([f, _]) => {
            return match g.node(*f) {
                Math::Fun(f) => f.name().to_string(),
                _ => "map".into(),
            };
        }
        Math::Num(_) => "a number",
        Math::Fun(_) => "a function",
        Math::Const(_) => "a constant",
        Math::Add(_) => "sum",
        Math::Mul(_) => "product",
        Math::Had(_) => "hadamard product",
        Math::Kron(_) => "kronecker product",
        Math::Frob(_) => "frobenius product",
        Math::Trans(_) => "transpose",
        Math::Pow(_) => "power",
        Math::EPow(_) => "elementwise power",
        Math::Softmax(_) => "softmax",
        Math::Lse(_) => "logsumexp",
        Math::Sum(_) => "sum of entries",
        Math::Tr(_) => "trace",
        Math::Det(_) => "det",
        Math::Logdet(_) => "logdet",
        Math::DiagM(_) => "Diag",
        Math::DiagV(_) => "diag",
        Math::Vec(_) => "vec",
        Math::Unvec(_) => "unvec",
        Math::Norm(_) => "norm",
    };
    name.to_string()
}

/// The value has the node's shape at these sizes and is finite.
fn check_value(g: &Graph, id: Id, value: &Value, sizes: &Sizes) -> Result<()> {
    let (r, c) = sizes.shape(g.shape(id))?;
    if value.shape() != (r, c) {
        let what = describe(g, g.node(id));
        return Err(EvalError::Size(format!(
            "{what} is {}×{}, but its shape {} is {r}×{c} here",
            value.nrows(),
            value.ncols(),
            g.shape(id)
        )));
    }
    if !value.iter().all(|x| x.is_finite()) {
        return Err(EvalError::Domain(format!("{} is not finite", describe(g, g.node(id)))));
    }
    Ok(())
}

fn same_shape(a: &Value, b: &Value, op: &str) -> Result<()> {
    if a.shape() == b.shape() {
        Ok(())
    } else {
        Err(EvalError::Size(format!("{op} of a {:?} and a {:?} value", a.shape(), b.shape())))
    }
}

fn square(a: &Value, op: &str) -> Result<usize> {
    if a.is_square() { Ok(a.nrows()) } else { Err(EvalError::Size(format!("{op} of a non-square {:?} value", a.shape()))) }
}

fn scalar(x: f64) -> Value {
    Value::from_element(1, 1, x)
}

/// `f` on every entry; an entry outside `f`'s domain is a domain error.
fn try_map(a: &Value, f: impl Fn(f64) -> Option<f64>, refusal: &str) -> Result<Value> {
    let mut out = a.clone();
    for x in out.iter_mut() {
        *x = f(*x).ok_or_else(|| EvalError::Domain(refusal.to_string()))?;
    }
    Ok(out)
}

fn node_value(g: &Graph, id: Id, values: &[Option<Held>], at: &Point, sizes: &Sizes) -> Result<Value> {
    let v = |c: Id| get(values, c).map(|h| &**h);
    let node = g.node(id);
    Ok(match node {
        Math::Num(k) => scalar(k.to_f64()),
        Math::Fun(f) => {
            return Err(EvalError::Malformed(format!("the function {f} is not a value")));
        }
        Math::Const(c) => constant(c, sizes)?,
        Math::Sym(name) => {
            if let Some(x) = at.values.get(name) {
                x.clone()
            } else {
                match g.names.get(name) {
                    None => return Err(EvalError::Malformed(format!("{name} is not declared"))),
                    Some(info) => match info.def {
                        Some(def) => v(def)?.clone(),
                        None => return Err(EvalError::Missing(format!("no value for {name}"))),
                    },
                }
            }
        }
        Math::Diff(s) => match g.node(*s) {
            Math::Sym(name) => at.diffs.get(name).cloned().ok_or_else(|| EvalError::Missing(format!("no value for d{name}")))?,
            _ => {
                return Err(EvalError::Unsupported("a differential of something other than a name".into()));
            }
        },
        Math::Add([a, b]) => {
            let (a, b) = (v(*a)?, v(*b)?);
            same_shape(a, b, "sum")?;
            a + b
        }
        Math::Mul([a, b]) => {
            let (a, b) = (v(*a)?, v(*b)?);
            if a.shape() == (1, 1) {
                b * a[0]
            } else if b.shape() == (1, 1) {
                a * b[0]
            } else if a.ncols() == b.nrows() {
                if a.nrows().saturating_mul(b.ncols()) > MAX_ENTRIES {
                    return Err(EvalError::TooLarge(format!("a {}×{} product", a.nrows(), b.ncols())));
                }
                a * b
            } else {
                return Err(EvalError::Size(format!("product of a {:?} and a {:?} value", a.shape(), b.shape())));
            }
        }
        Math::Had([a, b]) => {
            let (a, b) = (v(*a)?, v(*b)?);
            same_shape(a, b, "hadamard product")?;
            a.component_mul(b)
        }
        Math::Kron([a, b]) => {
            let (a, b) = (v(*a)?, v(*b)?);
            if a.len().saturating_mul(b.len()) > MAX_ENTRIES {
                return Err(EvalError::TooLarge(format!("a Kronecker product of {}×{} entries", a.len(), b.len())));
            }
            a.kronecker(b)
        }
        Math::Frob([a, b]) => {
            let (a, b) = (v(*a)?, v(*b)?);
            same_shape(a, b, "frobenius product")?;
            scalar(a.iter().zip(b.iter()).map(|(x, y)| x * y).sum())
        }
        Math::Trans(a) => v(*a)?.transpose(),
        Math::Pow([a, k]) => {
            let k = g.num_value(*k).ok_or_else(|| EvalError::Malformed("a power whose exponent is not a number".into()))?;
            power(v(*a)?, k)?
        }
        Math::EPow([a, k]) => {
            let k = g.num_value(*k).ok_or_else(|| EvalError::Malformed("a power whose exponent is not a number".into()))?;
            elementwise_power(v(*a)?, k)?
        }
        Math::Map([f, a]) => match g.node(*f) {
            Math::Fun(f) => apply(*f, v(*a)?)?,
            _ => {
                return Err(EvalError::Malformed("a map whose function is not a function".into()));
            }
        },
        // of a row vector over its entries, else column by column (a
        // column vector is one column)
        Math::Softmax(a) if g.shape(*a).is_row() => softmax(v(*a)?),
        Math::Softmax(a) => per_column(v(*a)?, softmax),
        Math::Lse(a) if g.shape(*a).is_row() => scalar(logsumexp(v(*a)?)),
        Math::Lse(a) => {
            let a = v(*a)?;
            Value::from_iterator(1, a.ncols(), (0..a.ncols()).map(|j| logsumexp(&a.columns(j, 1).into_owned())))
        }
        Math::Sum(a) => scalar(v(*a)?.sum()),
        Math::Tr(a) => {
            let a = v(*a)?;
            square(a, "trace")?;
            scalar(a.trace())
        }
        Math::Det(a) => {
            let a = v(*a)?;
            square(a, "det")?;
            scalar(a.clone().lu().determinant())
        }
        Math::Logdet(a) => scalar(logdet(v(*a)?)?),
        Math::DiagM(a) => {
            let a = v(*a)?;
            if a.nrows() != 1 && a.ncols() != 1 {
                return Err(EvalError::Size(format!("Diag of a {:?} value, not a vector", a.shape())));
            }
            let d = a.len();
            if d.saturating_mul(d) > MAX_ENTRIES {
                return Err(EvalError::TooLarge(format!("a {d}×{d} Diag")));
            }
            Value::from_fn(d, d, |i, j| if i == j { a[i] } else { 0.0 })
        }
        Math::DiagV(a) => {
            let a = v(*a)?;
            let d = square(a, "diag")?;
            Value::from_fn(d, 1, |i, _| a[(i, i)])
        }
        // Storage is column-major: the slice is vec(a).
        Math::Vec(a) => {
            let a = v(*a)?;
            Value::from_column_slice(a.len(), 1, a.as_slice())
        }
        Math::Unvec([a, w]) => {
            let a = v(*a)?;
            let (r, c) = sizes.shape(g.shape(*w))?;
            if a.len() != r * c {
                return Err(EvalError::Size(format!("unvec of {} entries to {r}×{c}", a.len())));
            }
            Value::from_column_slice(r, c, a.as_slice())
        }
        Math::Norm(a) => scalar(v(*a)?.norm()),
    })
}

fn constant(c: &Constant, sizes: &Sizes) -> Result<Value> {
    Ok(match c {
        Constant::Identity(n) => {
            // checked as a square, not as a size: n ≤ MAX_ENTRIES allows n²
            // entries far beyond it
            let (n, _) = sizes.shape(&Shape::new(n.clone(), n.clone()))?;
            Value::identity(n, n)
        }
        Constant::Ones(n) => Value::from_element(sizes.dim(n)?, 1, 1.0),
        Constant::Size(n) => scalar(sizes.dim(n)? as f64),
        Constant::Zero(s) => {
            let (r, c) = sizes.shape(s)?;
            Value::zeros(r, c)
        }
        Constant::Commutation(m, n) => {
            let (m, n) = (sizes.dim(m)?, sizes.dim(n)?);
            let mn = m.saturating_mul(n);
            if mn.saturating_mul(mn) > MAX_ENTRIES {
                return Err(EvalError::TooLarge(format!("the commutation matrix K[{m},{n}]")));
            }
            // For X m×n, vec(X)[i + j·m] = X[i,j] = vec(Xᵀ)[j + i·n].
            let mut k = Value::zeros(mn, mn);
            for i in 0..m {
                for j in 0..n {
                    k[(j + i * n, i + j * m)] = 1.0;
                }
            }
            k
        }
    })
}

/// A scalar to any real power, or a square matrix to an integer power
/// (negative: of its inverse).
fn power(a: &Value, k: Number) -> Result<Value> {
    if a.shape() == (1, 1) {
        let x = a[0];
        return Ok(scalar(scalar_power(x, k).ok_or_else(|| power_refusal(x, "power"))?));
    }
    let n = square(a, "matrix power")?;
    let Some(e) = integer_exponent(k) else {
        return Err(EvalError::Unsupported(format!("matrix power with the non-integer exponent {k}")));
    };
    let base = if e < 0 { inverse(a)? } else { a.clone() };
    Ok(matrix_power(base, n, e.unsigned_abs()))
}

fn power_refusal(x: f64, op: &str) -> EvalError {
    EvalError::Domain(if x == 0.0 {
        format!("{op}: zero to a negative or fractional power")
    } else {
        format!("{op}: a negative number to a fractional power")
    })
}

/// `x^k`: any `x` for an integer `k` (but 0 only for `k ≥ 0`), positive `x`
/// otherwise (so that the derivative exists too).
fn scalar_power(x: f64, k: Number) -> Option<f64> {
    let kf = k.to_f64();
    match integer_exponent(k) {
        Some(e) if e < 0 && x == 0.0 => None,
        Some(_) => Some(x.powf(kf)),
        None if x > 0.0 => Some(x.powf(kf)),
        None => None,
    }
}

fn elementwise_power(a: &Value, k: Number) -> Result<Value> {
    let mut out = a.clone();
    for x in out.iter_mut() {
        *x = scalar_power(*x, k).ok_or_else(|| power_refusal(*x, "elementwise power"))?;
    }
    Ok(out)
}

/// `base^e` by repeated squaring.
fn matrix_power(mut base: Value, n: usize, mut e: u64) -> Value {
    let mut acc = Value::identity(n, n);
    while e > 0 {
        if e & 1 == 1 {
            acc = &acc * &base;
        }
        e >>= 1;
        if e > 0 {
            base = &base * &base;
        }
    }
    acc
}

/// The LU factors of a square matrix, refused (as singular, for `op`) when
/// a pivot is tiny relative to the largest.
fn lu_nonsingular(a: &Value, op: &str) -> Result<nalgebra::LU<f64, nalgebra::Dyn, nalgebra::Dyn>> {
    square(a, op)?;
    let lu = a.clone().lu();
    let u = lu.u();
    let pivots = u.diagonal();
    let largest = pivots.iter().fold(0.0f64, |m, p| m.max(p.abs()));
    let smallest = pivots.iter().fold(f64::INFINITY, |m, p| m.min(p.abs()));
    if !(largest > 0.0 && smallest > SINGULAR_PIVOT * largest) {
        return Err(EvalError::Domain(format!("{op} of a singular matrix")));
    }
    Ok(lu)
}

fn inverse(a: &Value) -> Result<Value> {
    let lu = lu_nonsingular(a, "inverse")?;
    let inv = lu.try_inverse().ok_or_else(|| EvalError::Domain("inverse of a singular matrix".into()))?;
    let condition = norm1(a) * norm1(&inv);
    if !condition.is_finite() || condition > MAX_CONDITION {
        return Err(EvalError::Domain("inverse of a singular matrix".into()));
    }
    Ok(inv)
}

/// The 1-norm: the largest column sum of magnitudes.
fn norm1(a: &Value) -> f64 {
    a.column_iter().map(|c| c.iter().map(|x| x.abs()).sum::<f64>()).fold(0.0, f64::max)
}

/// `ln |det a|` as the sum of the logarithms of the LU pivots (no overflow
/// through the determinant itself).
fn logdet(a: &Value) -> Result<f64> {
    let lu = lu_nonsingular(a, "logdet")?;
    Ok(lu.u().diagonal().iter().map(|p| p.abs().ln()).sum())
}

/// The largest entry (−∞ for no entries, which the finiteness check then
/// refuses).
fn largest(a: &Value) -> f64 {
    a.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// Shift-stable: `exp(x − max x) / Σ exp(x − max x)`, over all entries (a
/// column or a row vector alike).
fn softmax(a: &Value) -> Value {
    let m = largest(a);
    let e = a.map(|x| (x - m).exp());
    let s = e.sum();
    e / s
}

/// `f` applied to each column of `a`.
fn per_column(a: &Value, f: fn(&Value) -> Value) -> Value {
    let mut out = a.clone();
    for j in 0..a.ncols() {
        out.columns_mut(j, 1).copy_from(&f(&a.columns(j, 1).into_owned()));
    }
    out
}

/// Shift-stable: `max x + ln Σ exp(x − max x)`.
fn logsumexp(a: &Value) -> f64 {
    let m = largest(a);
    m + a.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

fn apply(f: Func, a: &Value) -> Result<Value> {
    Ok(match f {
        Func::Sigmoid => a.map(sigmoid),
        Func::Tanh => a.map(f64::tanh),
        Func::Exp => a.map(f64::exp),
        Func::Log => try_map(a, |x| (x > 0.0).then(|| x.ln()), "log of a non-positive entry")?,
        Func::Sqrt => try_map(a, |x| (x > 0.0).then(|| x.sqrt()), "sqrt of a non-positive entry")?,
        Func::Softplus => a.map(softplus),
        Func::Relu => a.map(|x| if x > 0.0 { x } else { 0.0 }),
        Func::Sin => a.map(f64::sin),
        Func::Cos => a.map(f64::cos),
        Func::Abs => a.map(f64::abs),
        Func::Step => a.map(|x| if x > 0.0 { 1.0 } else { 0.0 }),
        // f64::signum(0.0) is 1; the sign of 0 is 0.
        Func::Sign => a.map(|x| {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            }
        }),
    })
}

/// `1/(1+e⁻ˣ)`, written so that the exponential never overflows.
fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `ln(1+eˣ) = max(x,0) + ln(1+e^−|x|)`, stable for large `|x|`.
fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}
