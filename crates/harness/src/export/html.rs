//! One self-contained HTML file showing a run as a message-sequence chart.
//!
//! The page carries its data as compact JSON (arrays, not objects: a 300,000-event
//! run stays a file a browser opens) and its own script and style; it loads nothing.
//! The script draws on a canvas only the time window and the lanes in view.

use serde_json::{json, Value};

use super::picture::{Fate, Picture};
use crate::invariant::Violation;

const SCRIPT: &str = include_str!("viewer.js");
const STYLE: &str = include_str!("viewer.css");

/// The page of `picture`, titled `title`, with `violations` and their evidence marked.
pub fn html(title: &str, picture: &Picture, violations: &[Violation]) -> String {
    let data = data(title, picture, violations).to_string().replace("</", "<\\/");
    let title = escape(title);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n\
         <style>\n{STYLE}</style>\n</head>\n<body>\n\
         <header>\n<h1>{title}</h1>\n\
         <div class=\"controls\">\n\
         <label>from <input id=\"t0\" size=\"10\"></label> <label>to <input id=\"t1\" size=\"10\"></label> s\n\
         <button id=\"apply\">zoom</button> <button id=\"fit\">whole run</button> \
         <button id=\"to-violation\">violation</button>\n\
         <label>processes <input id=\"filter\" placeholder=\"role, name or pid\" size=\"18\"></label>\n\
         <label><input type=\"checkbox\" id=\"evidence-only\"> evidence only</label>\n\
         <label><input type=\"checkbox\" id=\"alive-only\"> alive in view</label>\n\
         <label>search <input id=\"search\" placeholder=\"text in events\" size=\"18\"></label>\n\
         </div>\n<div id=\"legend\"></div>\n</header>\n\
         <main>\n<div id=\"scroll\"><div id=\"inner\"><canvas id=\"chart\"></canvas><div id=\"labels\"></div></div></div>\n\
         <aside>\n<section id=\"violations\"></section>\n<section id=\"details\"></section>\n\
         <section id=\"results\"></section>\n</aside>\n</main>\n\
         <script id=\"run-data\" type=\"application/json\">{data}</script>\n\
         <script>\n{SCRIPT}</script>\n</body>\n</html>\n"
    )
}

/// The data the script reads, as arrays of arrays:
/// processes `[pid, node, role, start_ns, exit_ns or -1, exit reason]`,
/// messages `[sent_ns, at_ns, from, to, kind, fate, trace index]` in order of sending,
/// marks `[at_ns, process or -1, node or -1, kind, trace index, text]`.
fn data(title: &str, picture: &Picture, violations: &[Violation]) -> Value {
    let processes: Vec<Value> = picture
        .processes
        .iter()
        .map(|p| {
            let (end, reason) = p.exit.clone().map_or((-1, String::new()), |(at, why)| (at as i64, why));
            json!([p.pid, p.node, p.role, p.start_ns, end, reason])
        })
        .collect();
    let mut kinds: Vec<&str> = Vec::new();
    let mut causes: Vec<&str> = Vec::new();
    let messages: Vec<Value> = picture
        .messages
        .iter()
        .map(|m| {
            let kind = index_of(&mut kinds, &m.kind);
            let fate = match &m.fate {
                Fate::Delivered => 0,
                Fate::Delayed => 1,
                Fate::Duplicated => 2,
                Fate::Dropped(cause) => 3 + index_of(&mut causes, cause),
            };
            json!([m.sent_ns, m.at_ns, m.from, m.to, kind, fate, m.index])
        })
        .collect();
    let marks: Vec<Value> = picture
        .marks
        .iter()
        .map(|m| {
            let process = m.process.map_or(-1, |p| p as i64);
            let node = m.node.map_or(-1, i64::from);
            json!([m.at_ns, process, node, m.kind, m.index, m.text])
        })
        .collect();
    let violations: Vec<Value> = violations
        .iter()
        .map(|v| {
            json!({
                "invariant": v.invariant,
                "time_ns": v.time_ms * 1_000_000,
                "message": v.message,
                "ids": v.ids,
                "evidence": v.evidence,
                "evidence_index": v.evidence_indices(),
                "causes": v.causes,
            })
        })
        .collect();
    json!({
        "title": title,
        "end_ns": picture.end_ns,
        "processes": processes,
        "kinds": kinds,
        "drop_causes": causes,
        "messages": messages,
        "marks": marks,
        "violations": violations,
    })
}

fn index_of<'a>(names: &mut Vec<&'a str>, name: &'a str) -> usize {
    match names.iter().position(|n| *n == name) {
        Some(i) => i,
        None => {
            names.push(name);
            names.len() - 1
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::invariant::TraceEvent;

    #[test]
    fn the_page_is_self_contained_and_carries_its_data() {
        let lines: Vec<String> = [
            "0.1s otpsim event=spawn pid=<0.1.0> label=a",
            "1.0s otpsim event=deliver msg=1 from=<0.1.0> to=<0.2.0> kind=info reason=\"</script>\"",
        ]
        .map(String::from)
        .into();
        let picture = Picture::of(&TraceEvent::parse_all(&lines));
        let v = Violation::new("no_task_lost", Duration::from_secs(1), "lost <task>");
        let page = html("demo <seed 1>", &picture, &[v]);
        assert!(!page.contains("src=") && !page.contains("href=") && !page.contains("http"), "loads nothing");
        assert!(page.contains("<title>demo &lt;seed 1&gt;</title>"));
        let start = page.find("application/json\">").unwrap() + "application/json\">".len();
        let end = start + page[start..].find("</script>").unwrap();
        let data: Value = serde_json::from_str(&page[start..end]).unwrap();
        assert_eq!(data["processes"].as_array().unwrap().len(), 2);
        assert_eq!(data["messages"][0], json!([1_000_000_000u64, 1_000_000_000u64, 0, 1, 0, 0, 2]));
        assert_eq!(data["violations"][0]["message"], "lost <task>");
    }
}
