//! The arena every stage after lowering shares: hash-consed nodes (so a
//! result is a DAG, and equal subexpressions are one node), their shapes and
//! facts, and the table of names (variables, definitions, introduced names).
//!
//! Architecture invariant: a node's children always have smaller ids, so a
//! pass over `0..len()` visits children first. Passes iterate; none recurses
//! on expression depth.
//!
//! The constructors (`add`, `mul`, `trans`…) fold the trivial cases (zeros,
//! ones, identities, double transposes, numbers), so that differentiation
//! does not drown in them; everything else is `simplify`'s job.

use std::collections::HashMap;

use egg::{Id, Language, RecExpr};
use indexmap::IndexMap;

use super::{Constant, Func, Math, Op, Props};
use crate::diagnostic::Span;
use crate::name::Name;
use crate::num::Number;
use crate::shape::rule::{self, DimAlgebra, Sh};
use crate::shape::{Dim, Shape};

/// Where a name comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// A free variable of the program.
    Variable,
    /// A definition the user wrote; always printed by name.
    Definition,
    /// A name matdiff introduced for the value of an inner nonlinear
    /// function (`s = σ(v)`, whose derivative `s ∘ (𝟙 − s)` uses it).
    Introduced,
    /// A name matdiff introduced for the argument of a nonlinear function
    /// (`v = Wx`), as the seed derivations do; results see through it.
    Intermediate,
    /// The adjoint `δ_b = ∂f/∂b` of a binding, named because it is shared.
    Adjoint(Name),
}

#[derive(Clone, Debug)]
pub struct NameInfo {
    pub shape: Shape,
    pub props: Props,
    pub kind: NameKind,
    /// The defining expression, for everything but variables.
    pub def: Option<Id>,
    /// Where the user wrote it (declaration or definition), if they did.
    pub span: Option<Span>,
}

/// Checks shapes of concrete dimensions: `equate` is equality.
pub struct Exact;

impl DimAlgebra for Exact {
    type D = Dim;
    fn one(&mut self) -> Dim {
        Dim::ONE
    }
    fn is_one(&mut self, d: &Dim) -> bool {
        d.is_one()
    }
    fn times(&mut self, a: &Dim, b: &Dim) -> Option<Dim> {
        a.times(b)
    }
    fn equate(&mut self, a: &Dim, b: &Dim) -> bool {
        a == b
    }
}

/// The shape of `node` from its children's shapes, by the rules of
/// `shape::rule`; `None` if they do not fit.
pub fn shape_of(node: &Math, child: impl Fn(Id) -> Shape, sym: impl Fn(Name) -> Option<Shape>) -> Option<Shape> {
    let op = match node {
        Math::Num(_) | Math::Fun(_) => return Some(Shape::scalar()),
        Math::Const(c) => return Some(c.shape()),
        Math::Sym(n) => return sym(*n),
        _ => node.op()?,
    };
    let args: Vec<Sh<Dim>> = node
        .children()
        .iter()
        .map(|&c| {
            let s = child(c);
            Sh { rows: s.rows, cols: s.cols }
        })
        .collect();
    let s = rule::apply(op, &args, &mut Exact).ok()?;
    Some(Shape::new(s.rows, s.cols))
}

#[derive(Default)]
pub struct Graph {
    nodes: Vec<Math>,
    shapes: Vec<Shape>,
    props: Vec<Props>,
    memo: HashMap<Math, Id>,
    pub names: IndexMap<Name, NameInfo>,
}

impl Graph {
    pub fn new() -> Graph {
        Graph::default()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
    pub fn node(&self, id: Id) -> &Math {
        &self.nodes[usize::from(id)]
    }
    pub fn shape(&self, id: Id) -> &Shape {
        &self.shapes[usize::from(id)]
    }
    pub fn props(&self, id: Id) -> Props {
        self.props[usize::from(id)]
    }
    pub fn is_scalar(&self, id: Id) -> bool {
        self.shape(id).is_scalar()
    }
    pub fn num_value(&self, id: Id) -> Option<Number> {
        match self.node(id) {
            Math::Num(n) => Some(*n),
            _ => None,
        }
    }
    pub fn is_zero(&self, id: Id) -> bool {
        matches!(self.node(id), Math::Const(Constant::Zero(_))) || self.num_value(id).is_some_and(Number::is_zero)
    }
    pub fn info(&self, name: Name) -> &NameInfo {
        &self.names[&name]
    }

    /// Declares a name; its `Sym` node can be built from then on.
    pub fn declare(&mut self, name: Name, info: NameInfo) {
        self.names.insert(name, info);
    }

    /// Adds the facts `more` to the name `name`'s, and to every node that
    /// derives its facts from them.
    pub fn add_facts(&mut self, name: Name, more: Props) {
        let Some(info) = self.names.get_mut(&name) else { return };
        info.props = info.props.union(more);
        // children come before their parents in the arena
        for i in 0..self.nodes.len() {
            let node = self.nodes[i].clone();
            let leaf = match &node {
                Math::Sym(n) => self.names[n].props,
                _ => Props::NONE,
            };
            let scalar = self.shapes[i].is_scalar();
            let derived = Props::of(&node, |c| self.props(c), |c| self.is_scalar(c), scalar, leaf);
            self.props[i] = self.props[i].union(derived);
        }
    }

    /// Adds `node` as it is (no folding), or returns the existing copy.
    ///
    /// Panics if the shapes of the children do not fit: after lowering,
    /// shapes are correct by construction, so this is a bug in matdiff.
    pub fn raw(&mut self, node: Math) -> Id {
        if let Some(&id) = self.memo.get(&node) {
            return id;
        }
        let shape =
            shape_of(&node, |c| self.shape(c).clone(), |n| self.names.get(&n).map(|i| i.shape.clone())).unwrap_or_else(|| {
                panic!(
                    "ill-shaped node {node:?}: children {:?}",
                    node.children().iter().map(|&c| (self.shape(c), self.node(c))).collect::<Vec<_>>()
                )
            });
        let leaf = match &node {
            Math::Sym(n) => self.names[n].props,
            _ => Props::NONE,
        };
        let mut props = Props::of(&node, |c| self.props(c), |c| self.is_scalar(c), shape.is_scalar(), leaf);
        // A Aᵀ and Aᵀ A are symmetric
        if let Math::Mul([a, b]) = node
            && (self.nodes[usize::from(b)] == Math::Trans(a) || self.nodes[usize::from(a)] == Math::Trans(b))
        {
            props.symmetric = true;
        }
        let id = Id::from(self.nodes.len());
        self.nodes.push(node.clone());
        self.shapes.push(shape);
        self.props.push(props);
        self.memo.insert(node, id);
        id
    }

    /// Copies an expression (from the e-graph, say) into the arena.
    pub fn add_expr(&mut self, expr: &RecExpr<Math>) -> Id {
        let mut ids: Vec<Id> = Vec::with_capacity(expr.len());
        for node in expr.as_ref() {
            let node = node.clone().map_children(|c| ids[usize::from(c)]);
            ids.push(self.raw(node));
        }
        *ids.last().expect("empty expression")
    }

    /// The sub-DAG under `roots` as one `RecExpr`, and the position of each
    /// root in it.
    pub fn extract(&self, roots: &[Id]) -> (RecExpr<Math>, Vec<Id>) {
        // children have smaller ids than parents: in id order is a valid order
        let order = self.reachable(roots);
        let mut index = HashMap::with_capacity(order.len());
        let mut expr = RecExpr::default();
        for id in order {
            let node = self.node(id).clone().map_children(|c| index[&c]);
            index.insert(id, expr.add(node));
        }
        let positions = roots.iter().map(|r| index[r]).collect();
        (expr, positions)
    }

    /// The operands of a chain of `op` nodes under `root`, left to right
    /// (without recursion: a sum of 20 000 terms is a chain that deep).
    pub fn operands(&self, root: Id, op: impl Fn(&Math) -> Option<[Id; 2]>) -> Vec<Id> {
        let mut out = Vec::new();
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            match op(self.node(id)) {
                Some([a, b]) => {
                    stack.push(b);
                    stack.push(a);
                }
                None => out.push(id),
            }
        }
        out
    }

    /// The terms of the sum under `root` (nested `+`s flattened).
    pub fn summands(&self, root: Id) -> Vec<Id> {
        self.operands(root, |n| match n {
            Math::Add(ab) => Some(*ab),
            _ => None,
        })
    }

    /// The factors of the product under `root` (nested `*`s flattened), in order.
    pub fn factors(&self, root: Id) -> Vec<Id> {
        self.operands(root, |n| match n {
            Math::Mul(ab) => Some(*ab),
            _ => None,
        })
    }

    /// Every node reachable from `roots`, children before parents.
    ///
    /// Visited nodes are marked in a bit set: passes call this for small
    /// expressions of a graph that may hold hundreds of thousands of nodes,
    /// and a byte per node to clear each time made long programs quadratic.
    pub fn reachable(&self, roots: &[Id]) -> Vec<Id> {
        let mut seen = vec![0u64; self.len().div_ceil(64)];
        let mut stack: Vec<Id> = roots.to_vec();
        let mut out = Vec::new();
        while let Some(id) = stack.pop() {
            let i = usize::from(id);
            let (word, bit) = (i / 64, 1u64 << (i % 64));
            if seen[word] & bit != 0 {
                continue;
            }
            seen[word] |= bit;
            out.push(id);
            stack.extend(self.node(id).children().iter().copied());
        }
        out.sort_unstable();
        out
    }

    // ---- leaves ------------------------------------------------------------

    pub fn num(&mut self, n: Number) -> Id {
        self.raw(Math::Num(n))
    }
    pub fn int(&mut self, n: i64) -> Id {
        self.num(Number::int(n))
    }
    pub fn sym(&mut self, name: Name) -> Id {
        self.raw(Math::Sym(name))
    }
    pub fn constant(&mut self, c: Constant) -> Id {
        self.raw(Math::Const(c))
    }
    pub fn identity(&mut self, n: Dim) -> Id {
        if n.is_one() { self.int(1) } else { self.constant(Constant::Identity(n)) }
    }
    /// `𝟙_n`; the ones of size 1 is the number 1.
    pub fn ones(&mut self, n: Dim) -> Id {
        if n.is_one() { self.int(1) } else { self.constant(Constant::Ones(n)) }
    }
    /// A size as a number (`n` in `1/n ‖Xw − y‖²`); a known size is an integer.
    pub fn size(&mut self, n: Dim) -> Id {
        match n.as_int().and_then(|k| i64::try_from(k).ok()) {
            Some(k) => self.int(k),
            None => self.constant(Constant::Size(n)),
        }
    }
    /// The all-ones matrix of a shape, `𝟙_m 𝟙_nᵀ`.
    pub fn ones_like(&mut self, shape: &Shape) -> Id {
        let col = self.ones(shape.rows.clone());
        let row = self.ones(shape.cols.clone());
        let row = self.trans(row);
        self.mul(col, row)
    }
    pub fn zero(&mut self, shape: Shape) -> Id {
        if shape.is_scalar() { self.int(0) } else { self.constant(Constant::Zero(shape)) }
    }
    pub fn zero_like(&mut self, id: Id) -> Id {
        self.zero(self.shape(id).clone())
    }

    // ---- operators, with trivial folding ----------------------------------

    pub fn add(&mut self, a: Id, b: Id) -> Id {
        if self.is_zero(a) {
            return b;
        }
        if self.is_zero(b) {
            return a;
        }
        if let (Some(x), Some(y)) = (self.num_value(a), self.num_value(b))
            && let Some(s) = x.checked_add(y)
        {
            return self.num(s);
        }
        self.raw(Math::Add([a, b]))
    }

    pub fn neg(&mut self, a: Id) -> Id {
        let m1 = self.num(Number::MINUS_ONE);
        self.mul(m1, a)
    }

    pub fn sub(&mut self, a: Id, b: Id) -> Id {
        let nb = self.neg(b);
        self.add(a, nb)
    }

    /// Juxtaposition: scaling if either side is a scalar, else a matrix
    /// product. Scalars are moved to the left.
    pub fn mul(&mut self, a: Id, b: Id) -> Id {
        let (sa, sb) = (self.is_scalar(a), self.is_scalar(b));
        if self.is_zero(a) || self.is_zero(b) {
            let s = rule_shape(self, Op::Mul, &[a, b]);
            return self.zero(s);
        }
        if sb && !sa {
            return self.mul(b, a);
        }
        if let Some(x) = self.num_value(a) {
            if x.is_one() {
                return b;
            }
            if let Some(y) = self.num_value(b)
                && let Some(p) = x.checked_mul(y)
            {
                return self.num(p);
            }
            // x·(y·c) = (xy)·c
            if let Math::Mul([c, d]) = *self.node(b)
                && let Some(y) = self.num_value(c)
                && let Some(p) = x.checked_mul(y)
            {
                let p = self.num(p);
                return self.mul(p, d);
            }
        }
        if !sa && !sb {
            if matches!(self.node(a), Math::Const(Constant::Identity(_))) {
                return b;
            }
            if matches!(self.node(b), Math::Const(Constant::Identity(_))) {
                return a;
            }
        }
        // (x·A)B = x·(AB) and A(x·B) = x·(AB), for a number x: keeps numbers in front
        if !sa && !sb {
            if let Math::Mul([x, c]) = *self.node(a)
                && self.num_value(x).is_some()
            {
                let inner = self.mul(c, b);
                return self.mul(x, inner);
            }
            if let Math::Mul([x, c]) = *self.node(b)
                && self.num_value(x).is_some()
            {
                let inner = self.mul(a, c);
                return self.mul(x, inner);
            }
        }
        self.raw(Math::Mul([a, b]))
    }

    pub fn had(&mut self, a: Id, b: Id) -> Id {
        if self.is_zero(a) || self.is_zero(b) {
            return self.zero_like(a);
        }
        if self.is_all_ones(a) {
            return b;
        }
        if self.is_all_ones(b) {
            return a;
        }
        if self.is_scalar(a) {
            return self.mul(a, b);
        }
        self.raw(Math::Had([a, b]))
    }

    /// True for `𝟙`, `𝟙𝟙ᵀ` and the number 1.
    pub fn is_all_ones(&self, id: Id) -> bool {
        match self.node(id) {
            Math::Const(Constant::Ones(_)) => true,
            Math::Num(n) => n.is_one(),
            Math::Trans(a) => self.is_all_ones(*a),
            Math::Mul([a, b]) => {
                matches!(self.node(*a), Math::Const(Constant::Ones(_)))
                    && matches!(self.node(*b), Math::Trans(c) if matches!(self.node(*c), Math::Const(Constant::Ones(_))))
            }
            _ => false,
        }
    }

    pub fn kron(&mut self, a: Id, b: Id) -> Id {
        if self.is_scalar(a) || self.is_scalar(b) {
            return self.mul(a, b);
        }
        if self.is_zero(a) || self.is_zero(b) {
            let s = rule_shape(self, Op::Kron, &[a, b]);
            return self.zero(s);
        }
        if let (Math::Const(Constant::Identity(m)), Math::Const(Constant::Identity(n))) = (self.node(a), self.node(b))
            && let Some(mn) = m.times(n)
        {
            return self.identity(mn);
        }
        self.raw(Math::Kron([a, b]))
    }

    /// `A : B = tr(AᵀB)`; for scalars, the product.
    pub fn frob(&mut self, a: Id, b: Id) -> Id {
        if self.is_scalar(a) {
            return self.mul(a, b);
        }
        if self.is_zero(a) || self.is_zero(b) {
            return self.int(0);
        }
        self.raw(Math::Frob([a, b]))
    }

    pub fn trans(&mut self, a: Id) -> Id {
        match self.node(a).clone() {
            Math::Trans(x) => x,
            Math::Const(Constant::Zero(s)) => self.zero(s.transposed()),
            _ if self.props(a).symmetric => a,
            _ => self.raw(Math::Trans(a)),
        }
    }

    /// `a^k` (matrix power; `k = -1` is the inverse).
    pub fn pow(&mut self, a: Id, k: Number) -> Id {
        if k.is_one() {
            return a;
        }
        if k.is_zero() {
            let n = self.shape(a).rows.clone();
            return self.identity(n);
        }
        if let Some(x) = self.num_value(a)
            && let Some(p) = x.pow(k)
        {
            return self.num(p);
        }
        let k = self.num(k);
        self.raw(Math::Pow([a, k]))
    }
    pub fn inv(&mut self, a: Id) -> Id {
        self.pow(a, Number::MINUS_ONE)
    }

    /// `a^∘k`, the elementwise power.
    pub fn epow(&mut self, a: Id, k: Number) -> Id {
        if k.is_one() {
            return a;
        }
        if k.is_zero() {
            let s = self.shape(a).clone();
            return self.ones_like(&s);
        }
        if self.is_scalar(a) {
            return self.pow(a, k);
        }
        let k = self.num(k);
        self.raw(Math::EPow([a, k]))
    }

    pub fn map(&mut self, f: Func, a: Id) -> Id {
        let f = self.raw(Math::Fun(f));
        self.raw(Math::Map([f, a]))
    }
    pub fn softmax(&mut self, a: Id) -> Id {
        self.raw(Math::Softmax(a))
    }
    pub fn lse(&mut self, a: Id) -> Id {
        self.raw(Math::Lse(a))
    }
    pub fn sum(&mut self, a: Id) -> Id {
        if self.is_scalar(a) {
            return a;
        }
        self.raw(Math::Sum(a))
    }
    pub fn tr(&mut self, a: Id) -> Id {
        if self.is_scalar(a) {
            return a;
        }
        if let Math::Const(Constant::Identity(n)) = self.node(a).clone()
            && let Some(k) = n.as_int()
        {
            return self.int(k as i64);
        }
        self.raw(Math::Tr(a))
    }
    pub fn det(&mut self, a: Id) -> Id {
        self.raw(Math::Det(a))
    }
    pub fn logdet(&mut self, a: Id) -> Id {
        self.raw(Math::Logdet(a))
    }
    pub fn diag_m(&mut self, a: Id) -> Id {
        if self.is_scalar(a) {
            return a;
        }
        if let Math::Const(Constant::Ones(n)) = self.node(a).clone() {
            return self.identity(n);
        }
        self.raw(Math::DiagM(a))
    }
    pub fn diag_v(&mut self, a: Id) -> Id {
        if self.is_scalar(a) {
            return a;
        }
        if let Math::DiagM(v) = *self.node(a)
            && self.shape(v).is_column()
        {
            return v;
        }
        self.raw(Math::DiagV(a))
    }
    pub fn vec(&mut self, a: Id) -> Id {
        if self.shape(a).cols.is_one() {
            return a;
        }
        // the vec of a row vector is its transpose
        if self.shape(a).rows.is_one() {
            return self.trans(a);
        }
        self.raw(Math::Vec(a))
    }
    /// `v` reshaped, column by column, to `shape`.
    pub fn unvec(&mut self, v: Id, shape: Shape) -> Id {
        if &shape == self.shape(v) {
            return v;
        }
        // unvec(vec(X)) shaped like X is X (`vec(A)ᵀvec(X)` with A, X alike)
        if let Math::Vec(a) = *self.node(v)
            && self.shape(a) == &shape
        {
            return a;
        }
        let w = self.zero(shape);
        self.raw(Math::Unvec([v, w]))
    }
    pub fn norm(&mut self, a: Id) -> Id {
        self.raw(Math::Norm(a))
    }
    pub fn diff(&mut self, name: Name) -> Id {
        let s = self.sym(name);
        self.raw(Math::Diff(s))
    }

    /// `root` with every name `f` maps replaced (the replacement may use
    /// names `f` maps too: they are replaced in turn).
    pub fn substitute(&mut self, root: Id, f: &dyn Fn(Name) -> Option<Id>) -> Id {
        let mut done: HashMap<Id, Id> = HashMap::new();
        // Replacements are substituted first, in the order they are needed.
        let mut stack = vec![root];
        while let Some(&top) = stack.last() {
            if done.contains_key(&top) {
                stack.pop();
                continue;
            }
            let pending: Vec<Id> = self
                .reachable(&[top])
                .into_iter()
                .filter_map(|id| match self.node(id) {
                    Math::Sym(n) => f(*n).filter(|r| !done.contains_key(r)),
                    _ => None,
                })
                .collect();
            if !pending.is_empty() {
                stack.extend(pending);
                continue;
            }
            let mut map: HashMap<Id, Id> = HashMap::new();
            for id in self.reachable(&[top]) {
                let node = self.node(id).clone();
                let new = match node {
                    Math::Sym(n) => match f(n) {
                        Some(r) => done[&r],
                        None => id,
                    },
                    _ => {
                        let rebuilt = node.map_children(|c| map[&c]);
                        self.raw(rebuilt)
                    }
                };
                map.insert(id, new);
            }
            done.insert(top, map[&top]);
            stack.pop();
        }
        done[&root]
    }

    /// The sum of `terms`, or the zero of `shape` when there are none.
    pub fn sum_of(&mut self, terms: impl IntoIterator<Item = Id>, shape: &Shape) -> Id {
        let mut acc: Option<Id> = None;
        for t in terms {
            acc = Some(match acc {
                None => t,
                Some(a) => self.add(a, t),
            });
        }
        acc.unwrap_or_else(|| self.zero(shape.clone()))
    }
}

/// The shape of `op` applied to existing nodes; panics on a misfit (a bug).
fn rule_shape(g: &Graph, op: Op, args: &[Id]) -> Shape {
    let args: Vec<Sh<Dim>> = args.iter().map(|&a| Sh { rows: g.shape(a).rows.clone(), cols: g.shape(a).cols.clone() }).collect();
    let s = rule::apply(op, &args, &mut Exact).unwrap_or_else(|m| panic!("ill-shaped {op:?}: {m:?}"));
    Shape::new(s.rows, s.cols)
}
