//! Shape inference by unification, with symbolic dimensions.
//!
//! Every dimension is a union-find variable, possibly fixed to an integer, a
//! declared name (`n`) or a product (rows of `A ⊗ B`). Names follow the
//! conventions of CONTRACT §1 unless declared: uppercase → matrix,
//! lowercase Latin → column vector, lowercase Greek → scalar. The operator
//! rules are those of [`super::rule`], shared with the IR.
//!
//! A contradiction is reported at both operands, with their shapes.

use std::collections::HashMap;

use indexmap::IndexMap;

use super::rule::{self, DimAlgebra, Mismatch, Sh};
use super::{Dim, Shape};
use crate::diagnostic::{Diagnostic, Span};
use crate::ir::Op;
use crate::name::{Name, NameParts};
use crate::syntax::ast::*;

/// What inference tells lowering.
pub struct Shapes {
    /// Free variables in order of first appearance, with their shapes.
    pub variables: IndexMap<String, Shape>,
    /// Where each variable first appears.
    pub first_use: HashMap<String, Span>,
    /// Definitions in program order, with their shapes.
    pub definitions: IndexMap<String, Shape>,
    /// The size of each sized constant (`I`, `𝟙`), by the start of its span.
    pub constant_sizes: HashMap<usize, Dim>,
    /// Every named dimension in the result, declared or invented.
    pub dims: Vec<Name>,
    /// Declared sizes used in expressions as numbers (`n` in `1/n ‖Xw − y‖²`).
    pub sizes: std::collections::HashSet<String>,
}

type Var = u32;

#[derive(Clone, Debug)]
enum Value {
    Int(u64),
    Named(Name),
    Product(Var, Var),
}

/// An undeclared name whose shape, by the conventions, makes a size more
/// than 1: its rows (`A`, `x`) or its columns (`A`). Inference refuses to
/// make such a size 1 (CONTRACT §1, *Read as typed, or refused*).
#[derive(Clone, Debug)]
struct Mark {
    name: String,
    rows: bool,
    /// The name's other size, for the declaration a hint suggests.
    other: Var,
}

/// The dimension variables.
#[derive(Clone, Default)]
struct Dims {
    parent: Vec<Var>,
    value: Vec<Option<Value>>,
    /// Sizes that may not be 1: those of names shaped by convention (`x y`
    /// of two column vectors is an error, not a silent 1-vector; `A` in
    /// `x A` does not silently become a row) and the length of `𝟙`.
    nonunit: Vec<bool>,
    /// The names whose sizes a variable is (by root, after unions).
    marks: Vec<Vec<Mark>>,
    /// Set when `equate` refused to make a size 1 because of its marks.
    refused: Option<Vec<Mark>>,
}

impl Dims {
    fn fresh(&mut self, value: Option<Value>, nonunit: bool) -> Var {
        let v = self.parent.len() as Var;
        self.parent.push(v);
        self.value.push(value);
        self.nonunit.push(nonunit);
        self.marks.push(Vec::new());
        v
    }

    /// Two sizes of an undeclared name that its convention makes more
    /// than 1: its rows, and its columns unless `cols` is already 1.
    fn marked(&mut self, name: &str, cols: Option<Var>) -> Sh<Var> {
        let rows = self.fresh(None, true);
        let cols = cols.unwrap_or_else(|| self.fresh(None, true));
        for (v, is_rows, other) in [(rows, true, cols), (cols, false, rows)] {
            if self.nonunit[v as usize] {
                self.marks[v as usize].push(Mark { name: name.to_string(), rows: is_rows, other });
            }
        }
        Sh { rows, cols }
    }

    /// Sizes that are products on both sides (`vec(A)ᵀvec(X)`,
    /// `vec(X)ᵀ(A ⊗ B)`): equal factor by factor, or else crosswise, so
    /// that `mn = pq` holds by `m = p, n = q` (or `m = q, n = p`). Any other
    /// factorization would be a guess no better than these; where neither
    /// fits, the sizes are reported as they are.
    fn equate_factors(&mut self, (a, b): (Var, Var), (c, d): (Var, Var)) -> bool {
        for (x, y) in [(c, d), (d, c)] {
            let saved = self.clone();
            if self.equate(&a, &x) && self.equate(&b, &y) {
                return true;
            }
            let refused = self.refused.take();
            *self = saved;
            self.refused = self.refused.take().or(refused);
        }
        false
    }
    fn find(&mut self, mut v: Var) -> Var {
        while self.parent[v as usize] != v {
            let p = self.parent[v as usize];
            self.parent[v as usize] = self.parent[p as usize];
            v = p;
        }
        v
    }

    /// Whether `v`, or a factor of it at any depth, is one of `roots`.
    fn mentions(&mut self, v: Var, roots: &[Var]) -> bool {
        let mut stack = vec![v];
        let mut seen = std::collections::HashSet::new();
        while let Some(x) = stack.pop() {
            let r = self.find(x);
            if roots.contains(&r) {
                return true;
            }
            if seen.insert(r)
                && let Some(Value::Product(a, b)) = self.value[r as usize]
            {
                stack.extend([a, b]);
            }
        }
        false
    }

    /// The value of `v` as a dimension, if fully known.
    fn known(&mut self, v: Var) -> Option<Dim> {
        let r = self.find(v);
        match self.value[r as usize].clone()? {
            Value::Int(n) => Some(Dim::int(n)),
            Value::Named(n) => Some(Dim::named(n)),
            Value::Product(a, b) => self.known(a)?.times(&self.known(b)?),
        }
    }

    /// How `v` reads in a message: `5`, `n`, `mn`, or `?` when unknown.
    fn show(&mut self, v: Var) -> String {
        self.known(v).map(|d| d.to_string().replace('·', "")).unwrap_or_else(|| "?".into())
    }
}

impl DimAlgebra for Dims {
    type D = Var;
    fn one(&mut self) -> Var {
        self.fresh(Some(Value::Int(1)), false)
    }
    fn is_one(&mut self, d: &Var) -> bool {
        self.known(*d).is_some_and(|d| d.is_one())
    }
    fn times(&mut self, a: &Var, b: &Var) -> Option<Var> {
        // a factor 1 is no factor: `kron(C, s)` has the columns of `C`
        Some(if self.is_one(b) {
            *a
        } else if self.is_one(a) {
            *b
        } else {
            self.fresh(Some(Value::Product(*a, *b)), false)
        })
    }
    fn equate(&mut self, a: &Var, b: &Var) -> bool {
        let (ra, rb) = (self.find(*a), self.find(*b));
        if ra == rb {
            return true;
        }
        let nonunit = self.nonunit[ra as usize] || self.nonunit[rb as usize];
        let value = match (self.value[ra as usize].clone(), self.value[rb as usize].clone()) {
            (None, v) | (v, None) => v,
            (Some(x), Some(y)) => match (self.known(ra), self.known(rb)) {
                (Some(kx), Some(ky)) if kx == ky => Some(x),
                (Some(_), Some(_)) => return false,
                _ => match (x, y) {
                    (Value::Product(a, b), Value::Product(c, d)) => {
                        if !self.equate_factors((a, b), (c, d)) {
                            return false;
                        }
                        Some(Value::Product(c, d))
                    }
                    _ => return false,
                },
            },
        };
        if nonunit && matches!(value, Some(Value::Int(1))) {
            let mut marks = self.marks[ra as usize].clone();
            marks.extend(self.marks[rb as usize].iter().cloned());
            self.refused = Some(marks);
            return false;
        }
        // factors unified above may have joined `ra` and `rb` already
        let (ra, rb) = (self.find(ra), self.find(rb));
        // the occurs check: `n = n·n` would make a dimension its own factor
        // (a cycle that `known` would follow forever)
        if let Some(Value::Product(x, y)) = value
            && (self.mentions(x, &[ra, rb]) || self.mentions(y, &[ra, rb]))
        {
            return false;
        }
        if ra != rb {
            self.parent[ra as usize] = rb;
            let moved = std::mem::take(&mut self.marks[ra as usize]);
            self.marks[rb as usize].extend(moved);
        }
        self.value[rb as usize] = value;
        self.nonunit[rb as usize] = nonunit;
        true
    }
}

/// A dimension that is a product, made by an operator at `operator` from
/// `args`: checked to fit in 64 bits once inference is done.
struct Product {
    dim: Var,
    what: String,
    operator: Option<Span>,
    args: Vec<(Sh<Var>, Span)>,
}

struct Infer<'a> {
    src: &'a str,
    dims: Dims,
    /// Named dimensions by spelling.
    named: HashMap<String, Var>,
    /// Declared shapes, by name.
    declared: HashMap<String, (Sh<Var>, Span)>,
    variables: IndexMap<String, Sh<Var>>,
    first_use: HashMap<String, Span>,
    definitions: IndexMap<String, (Sh<Var>, Span)>,
    /// Names defined later in the program, with where (for "used before").
    defined_later: HashMap<String, Span>,
    /// The definition being inferred, to catch self-reference.
    defining: Option<String>,
    /// Each sized constant (`I`, `𝟙`): where it is, whether an identity,
    /// and its size.
    /// Sizes of constants for lowering, by where they were written: the
    /// constant (`I`, `𝟙`, `K`, `unvec`, by its first letter) and the size.
    constants: Vec<(Span, char, Var)>,
    /// Dimensions that are products (of `⊗`, `kron`, `vec`), with the
    /// operation and where it is, to refuse one too large for 64 bits.
    products: Vec<Product>,
    /// Declared sizes used in expressions as numbers.
    sizes: std::collections::HashSet<String>,
}

pub fn infer(program: &Program, src: &str) -> Result<Shapes, Diagnostic> {
    let mut inf = Infer {
        src,
        dims: Dims::default(),
        named: HashMap::new(),
        declared: HashMap::new(),
        variables: IndexMap::new(),
        first_use: HashMap::new(),
        definitions: IndexMap::new(),
        defined_later: HashMap::new(),
        defining: None,
        constants: Vec::new(),
        products: Vec::new(),
        sizes: Default::default(),
    };
    // Declarations hold for the whole program, wherever they are written.
    let mut declared_at: HashMap<&str, Span> = HashMap::new();
    for stmt in &program.stmts {
        if let Stmt::Decl { names, shape, span, .. } = stmt {
            for ident in names {
                let sh = inf.declared_shape(shape);
                if let Some(first) = declared_at.get(ident.name.as_str()) {
                    return Err(Diagnostic::new(format!("`{}` is declared twice", ident.name))
                        .label(ident.span, "declared again here")
                        .label(*first, "first declared here")
                        .hint(format!("keep one declaration of `{}`", ident.name)));
                }
                inf.declared.insert(ident.name.clone(), (sh, *span));
                declared_at.insert(&ident.name, ident.span);
            }
        }
        if let Stmt::Def { name, .. } = stmt {
            if let Some(first) = inf.defined_later.get(&name.name) {
                return Err(Diagnostic::new(format!("`{}` is defined twice", name.name))
                    .label(name.span, "defined again here")
                    .label(*first, "first defined here")
                    .hint("a name has one definition: give the second another name"));
            }
            inf.defined_later.insert(name.name.clone(), name.span);
        }
    }
    for stmt in &program.stmts {
        match stmt {
            Stmt::Decl { .. } => {}
            Stmt::Def { name, expr, .. } => {
                inf.defining = Some(name.name.clone());
                let sh = inf.expr(expr)?;
                inf.defining = None;
                if let Some((decl, decl_span)) = inf.declared.get(&name.name).cloned()
                    && !(inf.dims.equate(&decl.rows, &sh.rows) && inf.dims.equate(&decl.cols, &sh.cols))
                {
                    let (got, want) = (inf.show(&sh), inf.show(&decl));
                    return Err(Diagnostic::new(format!("`{}` is declared {want} but defined as {got}", name.name))
                        .label(expr.span, got)
                        .label(decl_span, format!("declared {want} here"))
                        .hint("change the declaration or the definition so that the shapes agree"));
                }
                inf.defined_later.remove(&name.name);
                inf.definitions.insert(name.name.clone(), (sh, name.span));
            }
            Stmt::Expr(e) => {
                inf.expr(e)?;
            }
        }
    }
    inf.products_fit()?;
    inf.finish(program)
}

/// A number as written: a literal, or literals combined by arithmetic
/// (`1`, `½`, `1/2`, `-(2 + 3)`, `2^3`). Only these broadcast in sums.
pub fn is_number(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Num(_) => true,
        ExprKind::Neg(a) | ExprKind::Postfix(a, Postfix::Power(_), _) => is_number(a),
        ExprKind::Sum(a, rest) => is_number(a) && rest.iter().all(|(_, _, x)| is_number(x)),
        ExprKind::Product(a, rest) => is_number(a) && rest.iter().all(|(_, _, x)| is_number(x)),
        _ => false,
    }
}

impl Infer<'_> {
    fn dim(&mut self, d: &DimSpec) -> Var {
        match d {
            DimSpec::Int(n, _) => self.dims.fresh(Some(Value::Int(*n)), false),
            DimSpec::Name(n, _) => {
                if let Some(&v) = self.named.get(n) {
                    return v;
                }
                let v = self.dims.fresh(Some(Value::Named(Name::new(n))), false);
                self.named.insert(n.clone(), v);
                v
            }
            // `I_{mn}`, as matdiff prints the sizes of Kronecker products
            DimSpec::Product(factors, _) => {
                let mut acc = self.dims.one();
                for (i, d) in factors.iter().enumerate() {
                    let d = self.dim(d);
                    acc = if i == 0 { d } else { self.dims.fresh(Some(Value::Product(acc, d)), false) };
                }
                acc
            }
        }
    }

    fn declared_shape(&mut self, s: &ShapeSpec) -> Sh<Var> {
        match s {
            ShapeSpec::Scalar(_) => Sh { rows: self.dims.one(), cols: self.dims.one() },
            ShapeSpec::Vector(n) => Sh { rows: self.dim(n), cols: self.dims.one() },
            ShapeSpec::Matrix(r, c) => Sh { rows: self.dim(r), cols: self.dim(c) },
        }
    }

    /// A shape as a noun phrase: `a scalar`, `a 5-vector`, `a column
    /// vector`, `a 5×4 matrix`, `a matrix`.
    fn show(&mut self, s: &Sh<Var>) -> String {
        let (r, c) = (self.dims.show(s.rows), self.dims.show(s.cols));
        match (r.as_str(), c.as_str()) {
            ("1", "1") => "a scalar".into(),
            ("?", "1") => "a column vector".into(),
            (_, "1") => format!("{} {r}-vector", super::article(&r)),
            ("1", "?") => "a row vector".into(),
            ("1", _) => format!("a 1×{c} row vector"),
            ("?", "?") => "a matrix".into(),
            _ => format!("{} {r}×{c} matrix", super::article(&r)),
        }
    }

    /// For a bare name whose shape comes from the naming conventions, what
    /// they say and how to declare otherwise.
    fn convention_hint(&self, span: Span) -> Option<String> {
        let text = self.src.get(span.start..span.end)?.trim();
        let name = crate::syntax::names::canonical_of(text)?;
        if self.declared.contains_key(&name) || self.definitions.contains_key(&name) {
            return None;
        }
        // `I`, `I_3` are the identity, not a name the conventions shape
        if name == "I" || name.starts_with("I_") {
            return None;
        }
        let parts = NameParts::split(&name);
        Some(if parts.is_upper() {
            format!("`{text}` is uppercase, so a matrix unless declared (for example `{text} : m×n`)")
        } else if parts.is_greek() {
            format!("`{text}` is a lowercase Greek letter, so a scalar unless declared (for example `{text} : n` for a vector)")
        } else {
            format!(
                "`{text}` is a lowercase letter, so a column vector unless declared (`{text} : scalar`, `{text} : 1×n` for a row)"
            )
        })
    }

    /// The source text of a span, shortened for messages.
    fn quote(&self, span: Span) -> String {
        let text = self.src.get(span.start..span.end).unwrap_or("").trim();
        let mut q: String = text.chars().take(24).collect();
        if text.chars().count() > 24 {
            q.push('…');
        }
        q
    }

    /// The shape a variable has by the naming conventions.
    fn conventional(&mut self, name: &str) -> Sh<Var> {
        let parts = NameParts::split(name);
        if parts.is_upper() {
            self.dims.marked(name, None)
        } else if parts.is_greek() {
            Sh { rows: self.dims.one(), cols: self.dims.one() }
        } else {
            let one = self.dims.one();
            self.dims.marked(name, Some(one))
        }
    }

    fn name(&mut self, name: &str, span: Span) -> Result<Sh<Var>, Diagnostic> {
        if let Some((sh, _)) = self.definitions.get(name) {
            return Ok(sh.clone());
        }
        if self.defining.as_deref() == Some(name) {
            return Err(Diagnostic::at(span, format!("`{name}` is defined in terms of itself"))
                .hint("a definition can only use variables and earlier definitions"));
        }
        if let Some(&def) = self.defined_later.get(name) {
            return Err(Diagnostic::at(span, format!("`{name}` is used before its definition"))
                .label(def, "defined here")
                .hint("move the definition above its first use"));
        }
        if let Some(sh) = self.variables.get(name) {
            return Ok(sh.clone());
        }
        // a declared size, not itself declared a variable, is that number
        if self.named.contains_key(name) && !self.declared.contains_key(name) {
            self.sizes.insert(name.to_string());
            return Ok(Sh { rows: self.dims.one(), cols: self.dims.one() });
        }
        let sh = match self.declared.get(name) {
            Some((sh, _)) => sh.clone(),
            None => self.conventional(name),
        };
        self.variables.insert(name.to_string(), sh.clone());
        self.first_use.insert(name.to_string(), span);
        Ok(sh)
    }

    /// Applies an operator rule; on a mismatch, reports at the operands.
    fn apply(&mut self, op: Op, what: &str, args: &[(Sh<Var>, Span)]) -> Result<Sh<Var>, Diagnostic> {
        self.apply_at(op, what, None, args)
    }

    /// [`Self::apply`] for an operator written at `operator` (a function's
    /// name, a postfix `^2`): a mismatch of one operand points there too.
    fn apply_at(&mut self, op: Op, what: &str, operator: Option<Span>, args: &[(Sh<Var>, Span)]) -> Result<Sh<Var>, Diagnostic> {
        let shapes: Vec<Sh<Var>> = args.iter().map(|a| a.0.clone()).collect();
        let before = self.dims.parent.len();
        self.dims.refused = None;
        let sh = rule::apply(op, &shapes, &mut self.dims).map_err(|m| self.mismatch(m, what, operator, args))?;
        for v in before..self.dims.parent.len() {
            if matches!(self.dims.value[v], Some(Value::Product(..))) {
                let (what, args) = (what.to_string(), args.to_vec());
                self.products.push(Product { dim: v as Var, what, operator, args });
            }
        }
        Ok(sh)
    }

    /// Every product of dimensions fits in 64 bits: `A ⊗ B` of two
    /// 2³²-row matrices has no size.
    fn products_fit(&mut self) -> Result<(), Diagnostic> {
        for p in std::mem::take(&mut self.products) {
            let Some(Value::Product(a, b)) = self.dims.value[p.dim as usize].clone() else { continue };
            if let (Some(x), Some(y)) = (self.dims.known(a), self.dims.known(b))
                && x.times(&y).is_none()
            {
                let mut d = Diagnostic::new(format!("the {} is too large: {x} times {y} does not fit in 64 bits", p.what));
                for (sh, span) in &p.args {
                    let shape = self.show(sh);
                    d = d.label(*span, shape);
                }
                if let Some(op) = p.operator {
                    d = d.label(op, "here");
                }
                return Err(d.hint("no size can be 2⁶⁴ or more; check the declared sizes"));
            }
        }
        Ok(())
    }

    fn mismatch(&mut self, m: Mismatch, what: &str, operator: Option<Span>, args: &[(Sh<Var>, Span)]) -> Diagnostic {
        let mut refused = self.dims.refused.take().filter(|marks| !marks.is_empty());
        // `A + α`: the rows of `A` were refused; its columns would be too
        if let (Some(marks), Mismatch::Same { left, right }) = (&mut refused, m) {
            let mut trial = self.dims.clone();
            if !trial.equate(&args[left].0.cols, &args[right].0.cols) {
                marks.extend(trial.refused.into_iter().flatten());
            }
        }
        let d = self.describe(m, what, operator, args);
        match refused {
            Some(marks) => {
                let d = self.with_greek_hint(d, m, what, args);
                self.refusal(d, &marks)
            }
            None => {
                let d = self.with_greek_hint(d, m, what, args);
                if d.hint.is_some() {
                    return d;
                }
                match self.unfactored_hint(args).or_else(|| args.iter().find_map(|a| self.convention_hint(a.1))) {
                    Some(h) => d.hint(h),
                    None => d,
                }
            }
        }
    }

    /// The hint of a mismatch: a lowercase Greek letter taken for a scalar
    /// is the surprise most worth explaining (unless a scalar is added to an
    /// array: then how to broadcast it); else the operator's own hint.
    fn with_greek_hint(&mut self, d: Diagnostic, m: Mismatch, what: &str, args: &[(Sh<Var>, Span)]) -> Diagnostic {
        let broadcast = matches!(m, Mismatch::Same { .. }) && (what == "addition" || what == "subtraction") && d.hint.is_some();
        let greek = args.iter().find(|a| {
            let text = self.src.get(a.1.start..a.1.end).unwrap_or("").trim();
            text.chars().next().is_some_and(|c| crate::name::greek_ascii(c).is_some() && c.is_lowercase())
        });
        match (greek.and_then(|a| self.convention_hint(a.1)), d.hint.clone()) {
            (Some(h), Some(own)) if broadcast => Diagnostic { hint: Some(format!("{own}; or, {h}")), ..d },
            (Some(h), _) => Diagnostic { hint: Some(h), ..d },
            _ => d,
        }
    }

    /// For an operand whose size is a product of unknown sizes (`vec(X)`,
    /// `A ⊗ B` of undeclared matrices) met by a known size: matdiff does not
    /// guess how that size factors.
    fn unfactored_hint(&mut self, args: &[(Sh<Var>, Span)]) -> Option<String> {
        let known: Vec<String> = args
            .iter()
            .flat_map(|a| [a.0.rows, a.0.cols])
            .filter_map(|v| self.dims.known(v))
            .filter(|d| !d.is_one())
            .map(|d| d.to_string().replace('·', ""))
            .collect();
        let size = known.first()?.clone();
        let arg = args.iter().find(|a| {
            [a.0.rows, a.0.cols].into_iter().any(|v| {
                let r = self.dims.find(v);
                matches!(self.dims.value[r as usize], Some(Value::Product(..))) && self.dims.known(v).is_none()
            })
        })?;
        let q = self.quote(arg.1);
        Some(format!(
            "a size of `{q}` is a product of sizes that nothing fixes, and matdiff does not guess how {size} factors: declare the shapes in `{q}`"
        ))
    }

    /// `μᵀ` of an undeclared lowercase Greek letter: the transpose says
    /// `μ` is a vector, the conventions that it is a scalar, and `μᵀ A x`
    /// would be read with `A` scaled, or as a row: refused, with the
    /// declarations of both readings. `next` is the factor after it. A
    /// transposed number (`1ᵀx`) is refused too: `𝟙ᵀ` was meant.
    fn transposed_scalar(&self, e: &Expr, next: Option<&Expr>) -> Option<Diagnostic> {
        let ExprKind::Postfix(inner, Postfix::Transpose, op) = &e.kind else { return None };
        // `1^T x` is `x`, never what was meant: 𝟙ᵀx is the sum
        if is_number(inner) {
            return Some(
                Diagnostic::new(format!("`{}` transposes a number", self.quote(e.span)))
                    .label(inner.span, "a number, not the vector of ones")
                    .label(*op, "transposed here")
                    .hint("for the vector of ones write `𝟙ᵀ` (or `ones^T`, `1_n^T`); a number needs no transpose"),
            );
        }
        let ExprKind::Name(name) = &inner.kind else { return None };
        let conventional = !self.declared.contains_key(name) && !self.definitions.contains_key(name);
        let parts = NameParts::split(name);
        if !conventional || !parts.is_greek() || parts.is_upper() {
            return None;
        }
        let q = self.quote(inner.span);
        let mut hint = format!("if `{q}` is a vector, declare it (`{q} : n`); if it is a scalar, leave out the transpose");
        if let Some(next) = next
            && let ExprKind::Name(m) = &next.kind
            && !self.declared.contains_key(m)
            && !self.definitions.contains_key(m)
            && NameParts::split(m).is_upper()
        {
            let a = self.quote(next.span);
            hint += &format!(", and declare `{a} : 1×n` if `{a}` is a row vector");
        }
        Some(
            Diagnostic::new(format!(
                "`{}` transposes a scalar: `{q}` is a lowercase Greek letter, so a scalar unless declared",
                self.quote(e.span)
            ))
            .label(inner.span, "a scalar unless declared")
            .label(*op, "transposed here")
            .hint(hint),
        )
    }

    /// A mismatch that only a size 1 of undeclared names would resolve
    /// (`x A` with `A` a row vector): matdiff does not change a shape
    /// silently, so it points at each name and says the declaration that
    /// would allow that reading.
    fn refusal(&mut self, mut d: Diagnostic, marks: &[Mark]) -> Diagnostic {
        let mut names: Vec<&str> = Vec::new();
        for m in marks {
            if !names.contains(&m.name.as_str()) {
                names.push(&m.name);
            }
        }
        let mut sentences = Vec::new();
        for name in names {
            let Some(&at) = self.first_use.get(name) else { continue };
            let q = self.quote(at);
            let (rows, cols) =
                (marks.iter().find(|m| m.name == name && m.rows), marks.iter().find(|m| m.name == name && !m.rows));
            let mut size = |m: &Mark, placeholder: &str| {
                let s = self.dims.show(m.other);
                if s == "?" { placeholder.to_string() } else { s }
            };
            let upper = NameParts::split(name).is_upper();
            // letters side by side (`loss`) were a name mistyped, not a scalar
            if !upper && d.hint.as_deref().is_some_and(|h| h.contains("is read as the product") || h.contains("needs `𝟙`")) {
                continue;
            }
            let (would, decl) = match (upper, rows, cols) {
                (true, Some(r), None) => ("a row vector", format!("1×{}", size(r, "n"))),
                (true, None, Some(c)) => ("a column vector", format!("{}×1", size(c, "m"))),
                _ => ("a scalar", "scalar".to_string()),
            };
            let (kind, unless) = if upper { ("uppercase", "a matrix") } else { ("a lowercase letter", "a column vector") };
            if !d.labels.iter().any(|l| l.span.start <= at.start && at.end <= l.span.end) {
                d = d.label(at, format!("{unless} unless declared"));
            }
            sentences.push(if d.hint.is_some() || !sentences.is_empty() {
                format!("if `{q}` is {would}, declare `{q} : {decl}`")
            } else {
                format!("`{q}` is {kind}, so {unless} unless declared: it is {would} only if declared so (`{q} : {decl}`)")
            });
        }
        let hint = d.hint.take().into_iter().chain(sentences).collect::<Vec<_>>().join("; ");
        if hint.is_empty() { d } else { d.hint(hint) }
    }

    /// When `left` and `right` are one-letter names written side by side in
    /// a run of letters (`foo`, `xy`), the run and how it is read (`f o o`).
    fn letter_run(&self, left: Span, right: Span) -> Option<(String, String)> {
        let src = self.src;
        let is_run = |c: char| c.is_alphanumeric() && c != '𝟙';
        let (l, r) = (src.get(left.start..left.end)?, src.get(right.start..right.end)?);
        let letters = |t: &str| t.chars().next().is_some_and(char::is_alphabetic) && t.chars().all(is_run);
        if left.end != right.start || !letters(l) || !letters(r) {
            return None;
        }
        let start = src[..left.start].char_indices().rev().take_while(|(_, c)| is_run(*c)).last().map_or(left.start, |(i, _)| i);
        let end = src[right.end..].find(|c: char| !is_run(c)).map_or(src.len(), |i| right.end + i);
        let run = &src[start..end];
        if !run.chars().next().is_some_and(char::is_alphabetic) {
            return None;
        }
        let mut pieces: Vec<String> = Vec::new();
        for c in run.chars() {
            match pieces.last_mut() {
                Some(last) if c.is_ascii_digit() => last.push(c),
                _ => pieces.push(c.to_string()),
            }
        }
        // before `(`, a function at the end of the run is read as one
        if src[end..].trim_start().starts_with('(') {
            let starts: Vec<usize> = run.char_indices().map(|(i, _)| i).collect();
            if let Some(k) = starts.iter().position(|&i| crate::syntax::ast::Function::from_name(&run[i..]).is_some()) {
                pieces.truncate(run[..starts[k]].chars().filter(|c| !c.is_ascii_digit()).count());
                pieces.push(format!("{}(…)", &run[starts[k]..]));
            }
        }
        Some((run.to_string(), pieces.join(" ")))
    }

    /// Where the shape of a bare declared name comes from: its declaration.
    fn declared_at(&self, span: Span) -> Option<Span> {
        let text = self.src.get(span.start..span.end)?.trim();
        let name = crate::syntax::names::canonical_of(text)?;
        if self.definitions.contains_key(&name) {
            return None;
        }
        self.declared.get(&name).map(|(_, at)| *at)
    }

    /// One operand that does not fit its operator: the operand with its
    /// shape, the operator with what it needs, and the declaration the
    /// shape comes from (if it is a declared name).
    fn one_operand(&mut self, message: String, needs: &str, operator: Option<Span>, arg: &(Sh<Var>, Span)) -> Diagnostic {
        let shape = self.show(&arg.0);
        let mut d = Diagnostic::new(message).label(arg.1, shape);
        if let Some(op) = operator {
            d = d.label(op, needs);
        }
        if let Some(decl) = self.declared_at(arg.1) {
            d = d.label(decl, "declared here");
        }
        d
    }

    fn describe(&mut self, m: Mismatch, what: &str, operator: Option<Span>, args: &[(Sh<Var>, Span)]) -> Diagnostic {
        let at = |i: usize, inf: &mut Self| {
            let s = inf.show(&args[i].0);
            (args[i].1, inf.quote(args[i].1), s)
        };
        match m {
            Mismatch::Inner { left, right } => {
                let (ls, lq, lsh) = at(left, self);
                let (rs, rq, rsh) = at(right, self);
                let (c, r) = (self.dims.show(args[left].0.cols), self.dims.show(args[right].0.rows));
                let plural = |n: &str, what: &str| if n == "1" { format!("1 {what}") } else { format!("{n} {what}s") };
                let (cv, rv) = (args[left].0.cols, args[right].0.rows);
                let (cr, rr) = (self.dims.find(cv), self.dims.find(rv));
                // sizes that print alike but did not unify are not counted
                // against each other ("n columns against n rows")
                let counts = if c != "?" && r != "?" && c != r {
                    format!(": {} against {}", plural(&c, "column"), plural(&r, "row"))
                } else if cr != rr && (self.dims.mentions(cv, &[rr]) || self.dims.mentions(rv, &[cr])) {
                    // refused by the occurs check (`n` against `n·n`)
                    ": the inner size would have to be a multiple of itself".to_string()
                } else {
                    String::new()
                };
                let mut d = Diagnostic::new(format!("cannot multiply `{lq}` ({lsh}) by `{rq}` ({rsh}){counts}"))
                    .label(ls, lsh.clone())
                    .label(rs, rsh.clone());
                let column = |s: &str| s.ends_with("-vector") || s.ends_with("column vector");
                // `foo` typed for a name, `xy` for a product: letters side by side
                let run = self.letter_run(ls, rs);
                let read = run.as_ref().map(|(run, spaced)| format!("`{run}` is read as the product `{spaced}`"));
                match (read, run.as_ref().map(|r| r.1.matches(' ').count() + 1)) {
                    (Some(read), Some(n)) if n >= 3 || !(column(&lsh) && column(&rsh)) => {
                        d = d.hint(format!(
                            "{read}: a name is one letter, then digits, a subscript or primes (`W1`, `x_i`, `b'`)"
                        ));
                    }
                    (read, _) if column(&lsh) && column(&rsh) => {
                        let read = read.map(|r| format!("{r}; ")).unwrap_or_default();
                        d = d.hint(format!(
                            "{read}for the inner product write `{lq}^T {rq}`; for the outer product `{lq} {rq}^T`"
                        ));
                    }
                    _ if lsh.ends_with("row vector") && rsh.ends_with("row vector") => {
                        let untransposed = ["^T", "ᵀ", "'", "^{T}"].iter().find_map(|t| rq.strip_suffix(t));
                        d = d.hint(match untransposed {
                            Some(r) => format!("for the inner product leave the second untransposed: `{lq} {r}`"),
                            None => "a row vector times a row vector is undefined: transpose one of them".to_string(),
                        });
                    }
                    _ => {}
                }
                d
            }
            Mismatch::Same { left, right } => {
                let (ls, lq, lsh) = at(left, self);
                let (rs, rq, rsh) = at(right, self);
                let mut d = Diagnostic::new(format!("{what} needs equal shapes, but `{lq}` is {lsh} and `{rq}` is {rsh}"))
                    .label(ls, lsh.clone())
                    .label(rs, rsh.clone());
                let sum = what == "addition" || what == "subtraction";
                if sum && (lsh == "a scalar") != (rsh == "a scalar") {
                    // a number broadcasts; any other scalar is multiplied by 𝟙
                    let other = if lsh == "a scalar" { &rsh } else { &lsh };
                    let ones = if other.ends_with("row vector") {
                        "𝟙ᵀ"
                    } else if other.ends_with("vector") {
                        "𝟙"
                    } else {
                        "𝟙𝟙ᵀ"
                    };
                    let scaled = |q: &str| {
                        if q.chars().all(|c| c.is_alphanumeric() || "_'{}()".contains(c)) {
                            format!("{q}{ones}")
                        } else {
                            format!("({q}){ones}")
                        }
                    };
                    let op = if what == "subtraction" { "−" } else { "+" };
                    let example = if lsh == "a scalar" {
                        format!("{} {op} {rq}", scaled(&lq))
                    } else {
                        format!("{lq} {op} {}", scaled(&rq))
                    };
                    d = d.hint(format!("only a number is added to every entry; any other scalar needs `𝟙`: `{example}`"));
                }
                d
            }
            Mismatch::NotSquare(i) => {
                let (_, q, sh) = at(i, self);
                let d = self.one_operand(
                    format!("{what} needs a square matrix, but `{q}` is {sh}"),
                    "needs a square matrix",
                    operator,
                    &args[i],
                );
                match what {
                    "`tr`" | "`trace`" => d.hint(format!("for the sum of all entries write `sum({q})`")),
                    "`diag`" => d.hint(format!(
                        "`diag` takes the diagonal of a square matrix; `Diag({q})` makes a diagonal matrix of a vector"
                    )),
                    "a matrix power" => d.hint(format!("for an elementwise power write `.^` (`{q}.^2`)")),
                    _ => d,
                }
            }
            Mismatch::NotVector(i) => {
                let (_, q, sh) = at(i, self);
                let d =
                    self.one_operand(format!("{what} needs a vector, but `{q}` is {sh}"), "needs a vector", operator, &args[i]);
                match what {
                    "`Diag`" => d.hint(format!(
                        "`Diag` makes a diagonal matrix of a vector; `diag({q})` takes the diagonal of a square matrix"
                    )),
                    // (of a matrix they work column by column: only a scalar is refused)
                    "`softmax`" | "`logsoftmax`" | "`logsumexp`" | "`lse`" => {
                        d.hint(format!("one number is not a vector: `{q}` needs more than one entry (`{q} : n`)"))
                    }
                    _ => d,
                }
            }
            Mismatch::TooLarge => Diagnostic::at(args[0].1, format!("the dimensions of this {what} are too large")),
        }
    }

    fn expr(&mut self, e: &Expr) -> Result<Sh<Var>, Diagnostic> {
        match &e.kind {
            ExprKind::Num(_) => Ok(Sh { rows: self.dims.one(), cols: self.dims.one() }),
            ExprKind::Name(n) => self.name(n, e.span),
            ExprKind::Identity(d) => {
                let n = match d {
                    Some(d) => self.dim(d),
                    None => self.dims.fresh(None, false),
                };
                self.constants.push((e.span, 'I', n));
                Ok(Sh { rows: n, cols: n })
            }
            ExprKind::Ones(d) => {
                let n = match d {
                    Some(d) => self.dim(d),
                    None => self.dims.fresh(None, true),
                };
                self.constants.push((e.span, '𝟙', n));
                Ok(Sh { rows: n, cols: self.dims.one() })
            }
            ExprKind::Zero(r, c) => {
                let rows = self.dim(r);
                let cols = match c {
                    Some(c) => self.dim(c),
                    None => self.dims.one(),
                };
                self.constants.push((e.span, '0', rows));
                self.constants.push((Span::new(e.span.start + 1, e.span.start + 1), '0', cols));
                Ok(Sh { rows, cols })
            }
            // unvec(v) is r×c with rc = the length of v; the shape is
            // written (`unvec_{m×n}(v)`) or fixed by what is around it
            ExprKind::Unvec(v, shape) => {
                let sh = self.expr(v)?;
                let (r, c) = match shape {
                    Some((r, c)) => (self.dim(r), self.dim(c)),
                    None => (self.dims.fresh(None, false), self.dims.fresh(None, false)),
                };
                let rc = self.dims.fresh(Some(Value::Product(r, c)), false);
                let one = self.dims.one();
                if !self.dims.equate(&sh.cols, &one) || !self.dims.equate(&sh.rows, &rc) {
                    let message = if shape.is_some() {
                        "`unvec` needs a column vector whose length is the number of entries of its shape"
                    } else {
                        "nothing fixes the shape `unvec` makes of this vector"
                    };
                    let name = Span::new(e.span.start, e.span.start + "unvec".len());
                    let to = if shape.is_some() { "reshapes to the shape written" } else { "reshapes to a shape nothing fixes" };
                    return Err(Diagnostic::new(message)
                        .label(name, to)
                        .label(v.span, "this vector")
                        .hint("write the shape: `unvec_{m×n}(v)` for a vector v of length mn"));
                }
                self.constants.push((e.span, 'u', r));
                self.constants.push((Span::new(e.span.start + 1, e.span.start + 1), 'u', c));
                Ok(Sh { rows: r, cols: c })
            }
            // K_{m,n} is mn×mn; lowering finds m and n by their spans
            ExprKind::Commutation(m, n) => {
                let (vm, vn) = (self.dim(m), self.dim(n));
                self.constants.push((m.span(), 'K', vm));
                self.constants.push((n.span(), 'K', vn));
                let mn = self.dims.fresh(Some(Value::Product(vm, vn)), false);
                Ok(Sh { rows: mn, cols: mn })
            }
            ExprKind::Frob(items) => {
                let mut acc = (self.expr(&items[0])?, items[0].span);
                for item in &items[1..] {
                    let rhs = (self.expr(item)?, item.span);
                    let sh = self.apply(Op::Frob, "the Frobenius product `:`", &[acc.clone(), rhs]).map_err(|d| {
                        if items.len() > 2 {
                            d.hint("`a : b : c` reads `(a : b) : c`, and `a : b` is a scalar; to scale by it, write `(a : b) c`")
                        } else {
                            d
                        }
                    })?;
                    acc = (sh, acc.1.to(item.span));
                }
                Ok(acc.0)
            }
            ExprKind::Sum(first, rest) => {
                // a number added to an array is added to every entry
                // (CONTRACT §1, *Numbers broadcast in sums*): the sum has the
                // array's shape, and lowering writes the `𝟙`
                let mut acc = (self.expr(first)?, first.span);
                let mut numbers = is_number(first);
                for (sign, _, item) in rest {
                    let mut rhs = (self.expr(item)?, item.span);
                    match (numbers, is_number(item)) {
                        (true, false) => acc.0 = rhs.0.clone(),
                        (false, true) => rhs.0 = acc.0.clone(),
                        _ => {}
                    }
                    numbers &= is_number(item);
                    let what = if *sign == Sign::Minus { "subtraction" } else { "addition" };
                    let sh = self.apply(Op::Add, what, &[acc.clone(), rhs]).map_err(|d| {
                        // a bare `:` among the terms may have been meant to take the whole sum
                        let bare_frob = |e: &Expr| matches!(e.kind, ExprKind::Frob(_)) && self.src.get(e.span.start..).is_some_and(|t| !t.starts_with('('));
                        if bare_frob(item) || (bare_frob(first) && std::ptr::eq(&rest[0].2, item)) {
                            d.hint("`:` binds tighter than `+` and `−`: `a + b : c` reads `a + (b : c)`; for the other reading write `(a + b) : c`")
                        } else {
                            d
                        }
                    })?;
                    acc = (sh, acc.1.to(item.span));
                }
                Ok(acc.0)
            }
            ExprKind::Kron(items) => {
                let mut acc = (self.expr(&items[0])?, items[0].span);
                for item in &items[1..] {
                    let rhs = (self.expr(item)?, item.span);
                    let sh = self.apply(Op::Kron, "Kronecker product", &[acc.clone(), rhs])?;
                    acc = (sh, acc.1.to(item.span));
                }
                Ok(acc.0)
            }
            ExprKind::Hadamard(first, rest) => {
                let mut acc = (self.expr(first)?, first.span);
                for (op, _, item) in rest {
                    let rhs = (self.expr(item)?, item.span);
                    let what = if *op == HadOp::Times { "the elementwise product" } else { "elementwise division" };
                    let sh = self.apply(Op::Had, what, &[acc.clone(), rhs])?;
                    acc = (sh, acc.1.to(item.span));
                }
                Ok(acc.0)
            }
            ExprKind::Product(first, rest) => {
                // `μᵀ A x`: a transposed scalar before a matrix
                let factors: Vec<&Expr> = std::iter::once(&**first).chain(rest.iter().map(|r| &r.2)).collect();
                for pair in factors.windows(2) {
                    if let Some(d) = self.transposed_scalar(pair[0], Some(pair[1])) {
                        return Err(d);
                    }
                }
                let mut acc = (self.expr(first)?, first.span);
                for (op, op_span, item) in rest {
                    let rhs = (self.expr(item)?, item.span);
                    if *op == ProdOp::Divide && !rule::is_scalar(&mut self.dims, &rhs.0) {
                        let (q, sh) = (self.quote(item.span), self.show(&rhs.0));
                        let lq = self.quote(acc.1);
                        let vector = self.dims.is_one(&rhs.0.rows) || self.dims.is_one(&rhs.0.cols);
                        let hint = if vector {
                            format!("to divide entry by entry write `{lq} ⊘ {q}` (or `./`)")
                        } else {
                            format!(
                                "to divide entry by entry write `{lq} ⊘ {q}` (or `./`); by a square matrix, multiply by its inverse: `{lq} {q}⁻¹`"
                            )
                        };
                        return Err(Diagnostic::new(format!("can only divide by a scalar, but `{q}` is {sh}"))
                            .label(item.span, sh)
                            .label(*op_span, "division here")
                            .hint(hint));
                    }
                    let sh = self.apply(Op::Mul, "product", &[acc.clone(), rhs])?;
                    acc = (sh, acc.1.to(item.span));
                }
                Ok(acc.0)
            }
            ExprKind::Neg(inner) => self.expr(inner),
            ExprKind::Postfix(inner, op, op_span) => {
                let arg = (self.expr(inner)?, inner.span);
                match op {
                    Postfix::Transpose => match self.transposed_scalar(e, None) {
                        Some(d) => Err(d),
                        None => self.apply(Op::Trans, "transpose", &[arg]),
                    },
                    Postfix::Inverse => self.apply_at(Op::Pow, "the inverse", Some(*op_span), &[arg]),
                    Postfix::Power(k) => {
                        if !k.is_integer() && !rule::is_scalar(&mut self.dims, &arg.0) {
                            let (q, sh) = (self.quote(inner.span), self.show(&arg.0));
                            let power = self.quote(*op_span);
                            return Err(Diagnostic::new(format!(
                                "`{q}` is {sh}, and a matrix has only integer powers, not `{power}`"
                            ))
                            .label(*op_span, "not an integer")
                            .label(inner.span, sh)
                            .hint(format!("for an elementwise power write `.^` (`{q}.{}`)", power.trim_start_matches('.'))));
                        }
                        self.apply_at(Op::Pow, "a matrix power", Some(*op_span), &[arg])
                    }
                    Postfix::ElemPower(_) => self.apply(Op::EPow, "elementwise power", &[arg]),
                }
            }
            ExprKind::Call(f, name_span, args) => {
                let mut shaped = Vec::with_capacity(args.len());
                for a in args {
                    shaped.push((self.expr(a)?, a.span));
                }
                let what = format!("`{}`", self.quote(*name_span));
                let op = match f {
                    Function::Sigmoid
                    | Function::Tanh
                    | Function::Exp
                    | Function::Log
                    | Function::Sqrt
                    | Function::Softplus
                    | Function::Relu
                    | Function::Sin
                    | Function::Cos
                    | Function::Abs
                    | Function::Sign
                    | Function::Step => return Ok(shaped[0].0.clone()),
                    Function::Softmax | Function::LogSoftmax => Op::Softmax,
                    Function::LogSumExp => Op::Lse,
                    Function::Sum | Function::Mean => Op::Sum,
                    Function::Trace => Op::Tr,
                    Function::Det => Op::Det,
                    Function::LogDet => Op::Logdet,
                    Function::Inv => Op::Pow,
                    Function::DiagMatrix => Op::DiagM,
                    Function::DiagVector => Op::DiagV,
                    Function::Vec => Op::Vec,
                    Function::Kron => Op::Kron,
                };
                self.apply_at(op, &what, Some(*name_span), &shaped)
            }
            ExprKind::Norm(inner, kind) => {
                let sh = self.expr(inner)?;
                let (r, c) = (self.dims.is_one(&sh.rows), self.dims.is_one(&sh.cols));
                if *kind == NormKind::Two && !r && !c {
                    let (q, s) = (self.quote(inner.span), self.show(&sh));
                    let mut d = Diagnostic::new(format!("the norm `‖{q}‖` of a matrix is ambiguous: `{q}` is {s}"))
                        .label(inner.span, s)
                        .label(e.span, "a norm without `_F`");
                    if let Some(decl) = self.declared_at(inner.span) {
                        d = d.label(decl, "declared here");
                    }
                    let hint = match self.convention_hint(inner.span) {
                        Some(h) => format!("write `‖{q}‖_F` for the Frobenius norm; {h}"),
                        None => format!("write `‖{q}‖_F` for the Frobenius norm (`‖x‖` is for vectors)"),
                    };
                    return Err(d.hint(hint));
                }
                Ok(Sh { rows: self.dims.one(), cols: self.dims.one() })
            }
        }
    }

    /// Resolves every dimension, inventing names for the unknown ones.
    fn finish(mut self, program: &Program) -> Result<Shapes, Diagnostic> {
        // A declared name that nothing defines is a variable even if no
        // expression uses it: `--wrt` may name it (its gradient is zero).
        for stmt in &program.stmts {
            if let Stmt::Decl { names, .. } = stmt {
                for ident in names {
                    if !self.definitions.contains_key(&ident.name) && !self.variables.contains_key(&ident.name) {
                        let sh = self.declared[&ident.name].0.clone();
                        self.variables.insert(ident.name.clone(), sh);
                        self.first_use.insert(ident.name.clone(), ident.span);
                    }
                }
            }
        }
        let mut taken: std::collections::HashSet<String> = self.named.keys().cloned().collect();
        for stmt in &program.stmts {
            match stmt {
                Stmt::Def { name, .. } => {
                    taken.insert(name.name.clone());
                }
                Stmt::Decl { names, .. } => taken.extend(names.iter().map(|n| n.name.clone())),
                Stmt::Expr(_) => {}
            }
        }
        taken.extend(self.variables.keys().cloned());
        let mut pool = ["m", "n", "p", "q", "r", "k", "l", "s", "t", "u"]
            .into_iter()
            .map(String::from)
            .chain((1..).map(|i| format!("d_{i}")))
            .filter(|n| !taken.contains(n));
        let mut invented: HashMap<Var, Name> = HashMap::new();
        let mut dims: Vec<Name> = Vec::new();
        let mut resolve = |inf: &mut Self, v: Var| -> Dim {
            // name every unknown dimension it is made of, a product's factors
            // too (`𝟙 ⊗ α`: the length of 𝟙 times 1); the occurs check keeps
            // products acyclic
            let mut stack = vec![v];
            while let Some(x) = stack.pop() {
                let r = inf.dims.find(x);
                match inf.dims.value[r as usize] {
                    None => {
                        let name = *invented.entry(r).or_insert_with(|| Name::new(&pool.next().unwrap_or_default()));
                        inf.dims.value[r as usize] = Some(Value::Named(name));
                    }
                    Some(Value::Product(a, b)) => stack.extend([a, b]),
                    Some(_) => {}
                }
            }
            let d = inf.dims.known(v).expect("resolved");
            for n in d.names() {
                if !dims.contains(&n) {
                    dims.push(n);
                }
            }
            d
        };
        let variables: Vec<(String, Sh<Var>)> = self.variables.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let variables: IndexMap<String, Shape> =
            variables.into_iter().map(|(n, s)| (n, Shape::new(resolve(&mut self, s.rows), resolve(&mut self, s.cols)))).collect();
        let definitions: Vec<(String, Sh<Var>)> = self.definitions.iter().map(|(k, v)| (k.clone(), v.0.clone())).collect();
        let definitions = definitions
            .into_iter()
            .map(|(n, s)| (n, Shape::new(resolve(&mut self, s.rows), resolve(&mut self, s.cols))))
            .collect();
        // a constant's size must come from the variables, or the function's
        // value would depend on a size that no argument gives
        let given: Vec<Name> = variables.values().flat_map(|s: &Shape| [s.rows.names(), s.cols.names()]).flatten().collect();
        let constants = std::mem::take(&mut self.constants);
        let mut constant_sizes = HashMap::new();
        for (span, constant, v) in constants {
            let size = resolve(&mut self, v);
            if let Some(free) = size.names().into_iter().find(|n| !given.contains(n)) {
                let identity = constant == 'I';
                let (what, example) = match constant {
                    'I' => ("identity `I`", "I_3"),
                    '𝟙' => ("ones vector `𝟙`", "1_3"),
                    'K' => ("commutation matrix `K`", "K_{3,2}"),
                    '0' => ("zero matrix", "0_{3×2}"),
                    _ => ("`unvec`", "unvec_{3×2}(v)"),
                };
                return Err(Diagnostic::new(format!("the size of this {what} is not determined by any variable"))
                    .label(span, format!("its size `{free}` is not the size of any variable"))
                    .hint(format!(
                        "use it where a variable's shape fixes its size (`x^T {} x`), or give a number (`{example}`)",
                        if identity { "I" } else { "𝟙𝟙^T" }
                    )));
            }
            constant_sizes.insert(span.start, size);
        }
        let sizes = std::mem::take(&mut self.sizes);
        Ok(Shapes { variables, first_use: std::mem::take(&mut self.first_use), definitions, constant_sizes, dims, sizes })
    }
}
