//! Extraction from deep e-graphs, in time linear in their size.
//!
//! egg's `Extractor` computes the cost of every class by sweeping all the
//! classes, in the order of its hash map, until no cost improves. Each sweep
//! settles at least one more level of the terms, so a term as deep as a sum
//! of a thousand terms or a product of three hundred factors takes that many
//! sweeps: seconds for one e-graph of a few thousand nodes, minutes for a
//! program with hundreds of results.
//!
//! [`Ordered`] computes the same least costs by the same rule (a class costs
//! its cheapest node; a cost is replaced only by a smaller one), sweeping
//! the classes in increasing id instead. Nodes are added children first, so
//! one sweep settles almost everything and a second confirms it. Only the
//! choice among nodes of *equal* cost can differ from egg's (egg keeps the
//! first found in its order), which is why shallow e-graphs, every program
//! a person writes, still go to egg (see `simplify::extract`).

use std::collections::HashMap;

use egg::{CostFunction, Id, Language, RecExpr};

use super::analysis::MathGraph;
use crate::ir::Math;

pub struct Ordered {
    best: HashMap<Id, (f64, Math)>,
}

impl Ordered {
    pub fn new<CF: CostFunction<Math, Cost = f64>>(egraph: &MathGraph, mut cost: CF) -> Ordered {
        let mut ids: Vec<Id> = egraph.classes().map(|c| c.id).collect();
        ids.sort_unstable();
        let mut best: HashMap<Id, (f64, Math)> = HashMap::with_capacity(ids.len());
        let mut changed = true;
        while changed {
            changed = false;
            for &id in &ids {
                let mut cheapest: Option<(f64, &Math)> = None;
                for node in &egraph[id].nodes {
                    let known = node.all(|c| best.contains_key(&egraph.find(c)));
                    if !known {
                        continue;
                    }
                    let c = cost.cost(node, |c| best[&egraph.find(c)].0);
                    if cheapest.is_none_or(|(b, _)| c < b) {
                        cheapest = Some((c, node));
                    }
                }
                let Some((c, node)) = cheapest else { continue };
                if best.get(&id).is_none_or(|(old, _)| c < *old) {
                    best.insert(id, (c, node.clone()));
                    changed = true;
                }
            }
        }
        Ordered { best }
    }

    pub fn find_best_cost(&self, egraph: &MathGraph, class: Id) -> f64 {
        self.best[&egraph.find(class)].0
    }

    pub fn find_best(&self, egraph: &MathGraph, class: Id) -> RecExpr<Math> {
        let root = self.best[&egraph.find(class)].1.clone();
        root.build_recexpr(|id| self.best[&egraph.find(id)].1.clone())
    }
}
