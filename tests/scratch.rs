use matdiff::diff::{chain, gradient};
use matdiff::ir::*;
use matdiff::name::Name;
use matdiff::num::Number;
use matdiff::shape::{Dim, Shape};
use matdiff::simplify;

fn var(g: &mut Graph, n: &str, s: Shape) -> egg::Id {
    let name = Name::new(n);
    g.declare(name, NameInfo { shape: s, props: Props::NONE, kind: NameKind::Variable, def: None, span: None });
    g.sym(name)
}
fn def(g: &mut Graph, n: &str, e: egg::Id) -> Name {
    let name = Name::new(n);
    g.declare(name, NameInfo { shape: g.shape(e).clone(), props: g.props(e), kind: NameKind::Definition, def: Some(e), span: None });
    name
}

#[test]
fn seed_a() {
    let mut g = Graph::new();
    let (m, n) = (Dim::named(Name::new("m")), Dim::named(Name::new("n")));
    let w = var(&mut g, "W", Shape::new(m.clone(), n.clone()));
    let x = var(&mut g, "x", Shape::column(n.clone()));
    let y = var(&mut g, "y", Shape::column(m.clone()));
    let wx = g.mul(w, x);
    let s = g.map(Func::Sigmoid, wx);
    let s = def(&mut g, "s", s);
    let ss = g.sym(s);
    let u = g.sub(ss, y);
    let f = g.frob(u, u);
    let half = g.num(Number::Rat(1, 2));
    let e = g.mul(half, f);
    let e = def(&mut g, "E", e);
    let ch = chain::prepare(&mut g, &[s, e], e);
    for (b, ex) in &ch.bindings { println!("{b} = {:?}", g.extract(&[*ex]).0); }
    let grad = gradient::gradients(&mut g, &ch, e, &[Name::new("W"), Name::new("x")]);
    for d in &grad.adjoints {
        let r = g.info(*d).def.unwrap();
        let t = std::time::Instant::now();
        let s = simplify::simplify(&mut g, &[r]);
        println!("adjoint {d} = {}  ({:?})", g.extract(&[s.readable[0]]).0, t.elapsed());
        println!("   flops: {}", g.extract(&[s.flops[0]]).0);
    }
    let grad1 = gradient::gradients(&mut g, &ch, e, &[Name::new("W")]);
    let s1 = simplify::simplify(&mut g, &[grad1.results[0].1]);
    println!("only W: {}", g.extract(&[s1.readable[0]]).0);
    for (x, r) in &grad.results {
        println!("raw d/d{x} = {}", g.extract(&[*r]).0);
        let t = std::time::Instant::now();
        let s = simplify::simplify(&mut g, &[*r]);
        println!("readable ({:?}) = {}", t.elapsed(), g.extract(&[s.readable[0]]).0);
        println!("flops = {}", g.extract(&[s.flops[0]]).0);
    }
}
