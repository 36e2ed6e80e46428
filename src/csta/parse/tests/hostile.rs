//! Hostile input against the CSTA XML parser: real-traffic samples and
//! requests mutated at random, plus the classic attacks (entity expansion,
//! deep nesting, attribute floods, giant text, bad encodings). Every input
//! gives a message or a typed [`ParseError`], with memory linear in the
//! frame size.

use super::*;
use crate::csta::frame::MAX_FRAME;
use crate::fuzz::{self, Rng};

/// The valid documents mutations start from.
fn seeds() -> Vec<Vec<u8>> {
    let mut out = fuzz::corpus("csta");
    for (root, body) in [
        ("MonitorStart", "<monitorObject><deviceObject>2001</deviceObject></monitorObject>"),
        ("MonitorStop", "<monitorCrossRefID>12</monitorCrossRefID>"),
        ("SnapshotDevice", "<snapshotObject>2001</snapshotObject>"),
        (
            "MakeCall",
            "<callingDevice>2001</callingDevice><calledDirectoryNumber>2002</calledDirectoryNumber>",
        ),
        ("RequestSystemStatus", ""),
    ] {
        out.push(doc(root, body).into_bytes());
    }
    assert!(out.len() > 20, "{}", out.len());
    out
}

/// Frame-sized input: what the codec can hand the parser.
fn frame_sized(mut data: Vec<u8>) -> Vec<u8> {
    data.truncate(MAX_FRAME - 8);
    data
}

#[test]
fn mutated_documents_give_a_message_or_a_typed_error() {
    let seeds = seeds();
    fuzz::run(
        "csta xml parser, mutated samples",
        fuzz::cases(3000),
        0xC57A_1001,
        |n| 200 * n + (256 << 10),
        |rng| {
            let mut input = rng.pick(&seeds).clone();
            fuzz::mutate(rng, &mut input, &seeds);
            let input = frame_sized(input);
            fuzz::outcome(input.len(), || parse(&input))
        },
    );
}

/// The inputs that break naive XML stacks, each at several sizes.
fn attack(rng: &mut Rng) -> Vec<u8> {
    let n = 1 + rng.below(8_000);
    let text = match rng.below(8) {
        // Entity expansion ("billion laughs").
        0 => {
            let mut dtd = String::from("<!DOCTYPE MonitorStart [<!ENTITY a \"aaaaaaaaaa\">");
            let mut prev = "a".to_owned();
            for level in 0..1 + rng.below(9) {
                let name = format!("e{level}");
                dtd.push_str(&format!("<!ENTITY {name} \"{}\">", format!("&{prev};").repeat(10)));
                prev = name;
            }
            format!(
                "<?xml version=\"1.0\"?>{dtd}]><MonitorStart><monitorObject><deviceObject>&{prev};\
                 </deviceObject></monitorObject></MonitorStart>"
            )
        }
        // External entity.
        1 => "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\
              <MonitorStart><monitorObject><deviceObject>&x;</deviceObject></monitorObject></MonitorStart>"
            .to_owned(),
        2 => format!("{}{}", "<a>".repeat(n), "</a>".repeat(n)),
        3 => format!("<MonitorStart {}/>", (0..n).map(|i| format!("a{i}=\"1\"")).collect::<Vec<_>>().join(" ")),
        4 => doc("MonitorStart", &format!("<monitorObject><deviceObject>{}</deviceObject></monitorObject>", "9".repeat(n * 3))),
        5 => format!("<MonitorStart xmlns=\"{ED3}\">{}</MonitorStart>", "<x/>".repeat(n)),
        6 => format!("<MonitorStart>{}", "<!-- c -->".repeat(n)),
        _ => {
            let mut bytes = doc("MonitorStop", "<monitorCrossRefID>1</monitorCrossRefID>").into_bytes();
            let junk = rng.bytes(n);
            bytes.splice(bytes.len() / 2..bytes.len() / 2, junk);
            return frame_sized(bytes);
        }
    };
    frame_sized(text.into_bytes())
}

#[test]
fn classic_xml_attacks_are_refused_or_harmless() {
    fuzz::run(
        "csta xml parser, classic attacks",
        fuzz::cases(100),
        0xC57A_1002,
        |n| 200 * n + (256 << 10),
        |rng| {
            let input = attack(rng);
            let (outcome, parsed) = fuzz::metered(input.len(), || parse(&input));
            // Nothing is amplified: no entity is ever expanded.
            if let Ok(Message::MonitorStart { device, .. }) = parsed.map(|i| i.message) {
                assert!(
                    device.len() <= input.len(),
                    "{} > {}",
                    device.len(),
                    input.len()
                );
                assert!(!device.contains("aaaaaaaaaa"), "entity expanded");
            }
            outcome
        },
    );
}

#[test]
fn arbitrary_bytes_give_a_typed_error() {
    fuzz::run(
        "csta xml parser, random bytes",
        fuzz::cases(1000),
        0xC57A_1003,
        |n| 200 * n + (256 << 10),
        |rng| {
            let input = rng.junk(MAX_FRAME - 8);
            fuzz::outcome(input.len(), || parse(&input))
        },
    );
}
