//! JSON for programs: the variables and their shapes, each result in LaTeX
//! and Unicode, the definitions it uses, and the check.

use serde_json::{Value, json};

use super::math::{Renderer, Style};
use super::{Output, WhereLine, check_line, entry_name, entry_wrt};
use crate::diff::Kind;
use crate::shape::Shape;

fn shape(r: &Renderer, s: &Shape) -> Value {
    json!([r.dim(&s.rows), r.dim(&s.cols)])
}

pub fn render(out: &Output) -> String {
    let aliases = Default::default();
    let diag = &out.presentation.diag_names;
    let latex = Renderer { g: out.g, style: Style::Latex, diag_names: diag, aliases: &aliases };
    let unicode = Renderer { g: out.g, style: Style::Unicode, diag_names: diag, aliases: &aliases };
    let both = |id| {
        json!({
            "latex": latex.formula(id).pretty(usize::MAX).to_string(),
            "unicode": unicode.formula(id).pretty(usize::MAX).to_string(),
        })
    };
    let d = out.derivative;
    let variables: Vec<Value> = out
        .variables
        .iter()
        .map(|&v| {
            let s = &out.g.info(v).shape;
            let mut var = json!({ "name": unicode.name(v), "python": v.parts().python(), "shape": shape(&unicode, s) });
            // a shape that is not the letter's convention, in words
            if let Some(why) = crate::present::unconventional(v, s) {
                var["unconventional"] = json!(why);
            }
            var
        })
        .collect();
    let results: Vec<Value> = out
        .presentation
        .results
        .iter()
        .zip(&d.entries)
        .map(|(&(_, id), e)| {
            let mut r = both(id);
            r["wrt"] = json!(entry_wrt(&unicode, e));
            r["name"] = json!({ "latex": entry_name(&latex, d, e), "unicode": entry_name(&unicode, d, e) });
            r["shape"] = shape(&unicode, out.g.shape(id));
            r
        })
        .collect();
    let mut definitions: Vec<Value> = Vec::new();
    for line in super::where_lines(out.g, out.presentation) {
        definitions.push(match line {
            WhereLine::Diag(cap, s) => json!({
                "name": unicode.name(cap),
                "latex": format!("\\operatorname{{Diag}}({})", latex.name(s)),
                "unicode": format!("Diag({})", unicode.name(s)),
            }),
            WhereLine::Def(name, def) => {
                let mut v = both(def);
                v["name"] = json!(unicode.name(name));
                v
            }
        });
    }
    let kind = match d.kind {
        Kind::Gradient => "gradient",
        Kind::Jacobian => "jacobian",
        Kind::Hessian => "hessian",
    };
    let check = match out.report {
        Some(r) => {
            json!({ "max_relative_error": r.worst, "points": r.points, "method": "central differences", "summary": check_line(Some(r)) })
        }
        None => Value::Null,
    };
    let steps: Value = match out.steps {
        Some(steps) => {
            let l = super::steps::lines(&latex, steps);
            let u = super::steps::lines(&unicode, steps);
            let mut items: Vec<Value> = steps
                .definitions
                .iter()
                .map(|&(name, def, diff)| {
                    json!({
                        "rule": format!("the differential of {}", unicode.name(name)),
                        "latex": format!("{} = {}, \\quad \\mathrm{{d}}{} = {}", latex.name(name), latex.formula(def).pretty(usize::MAX), latex.name(name), latex.formula(diff).pretty(usize::MAX)),
                        "unicode": format!("{} = {},  d{} = {}", unicode.name(name), unicode.formula(def).pretty(usize::MAX), unicode.name(name), unicode.formula(diff).pretty(usize::MAX)),
                    })
                })
                .collect();
            items.extend(l.into_iter().zip(u).map(|((ll, lr, rule), (ul, ur, _))| {
                json!({ "rule": rule, "latex": format!("{ll} = {lr}").trim_start_matches(" = ").to_string(), "unicode": format!("{ul} = {ur}").trim_start_matches(" = ").to_string() })
            }));
            Value::Array(items)
        }
        None => Value::Null,
    };
    let doc = json!({
        "function": unicode.name(d.of),
        "kind": kind,
        "variables": variables,
        "results": results,
        "definitions": definitions,
        "remarks": out.presentation.remarks,
        "steps": steps,
        "check": check,
        "shapes": super::shapes(&unicode, out).join(", "),
        "readback": out.presentation.readback,
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("JSON of plain values");
    text.push('\n');
    text
}
