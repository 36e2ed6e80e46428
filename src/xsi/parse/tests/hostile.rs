//! Hostile input against the Xsi document parser: real and generated
//! documents mutated at random, random bytes, and documents up to the
//! 1 MiB channel cap built to make XML parsers slow or large (deep nesting,
//! attribute floods, entity expansion). Every input gives a document or a
//! typed [`XsiParseError`], with memory linear in its size.

use super::*;
use crate::fuzz::{self, Rng};

/// The 1 MiB document cap of an event channel (`xsi::link::MAX_DOC`).
const CAP: usize = 1024 * 1024;

fn seeds() -> Vec<Vec<u8>> {
    let mut out = fuzz::corpus("xsi");
    let event = format!(
        "{DECL}<xsi:Event xmlns:xsi=\"http://schema.broadsoft.com/xsi\" \
         xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\" xsi1:type=\"xsi:SubscriptionEvent\">\
         <xsi:eventID>e1</xsi:eventID><xsi:sequenceNumber>1</xsi:sequenceNumber>\
         <xsi:userId>cti@example.net</xsi:userId><xsi:externalApplicationId>app</xsi:externalApplicationId>\
         <xsi:subscriptionId>s1</xsi:subscriptionId><xsi:channelId>c1</xsi:channelId>\
         <xsi:targetId>2002@example.net</xsi:targetId><xsi:eventData xsi1:type=\"xsi:CallReceivedEvent\">\
         <xsi:call><xsi:callId>callhalf-1</xsi:callId><xsi:extTrackingId>1:1</xsi:extTrackingId>\
         <xsi:personality>Terminator</xsi:personality><xsi:state>Alerting</xsi:state>\
         <xsi:remoteParty><xsi:address countryCode=\"1\">tel:2001</xsi:address></xsi:remoteParty>\
         <xsi:startTime>1700000000000</xsi:startTime></xsi:call></xsi:eventData></xsi:Event>"
    );
    out.push(event.into_bytes());
    out.push(
        format!("{DECL}<ChannelHeartBeat xmlns=\"http://schema.broadsoft.com/xsi\"/>").into_bytes(),
    );
    out.push(
        format!(
            "{DECL}<xsi:Event xmlns:xsi=\"http://schema.broadsoft.com/xsi\" \
             xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\" xsi1:type=\"xsi:ChannelTerminatedEvent\">\
             <xsi:channelId>c1</xsi:channelId><xsi:reason>Expired</xsi:reason></xsi:Event>"
        )
        .into_bytes(),
    );
    out
}

#[test]
fn mutated_documents_give_a_document_or_a_typed_error() {
    let seeds = seeds();
    fuzz::run(
        "xsi event parser, mutated documents",
        fuzz::cases(3000),
        0x5B17_1001,
        |n| 200 * n + (256 << 10),
        |rng| {
            let mut input = rng.pick(&seeds).clone();
            fuzz::mutate(rng, &mut input, &seeds);
            fuzz::outcome(input.len(), || parse_doc(&input))
        },
    );
}

#[test]
fn random_bytes_give_a_typed_error() {
    fuzz::run(
        "xsi event parser, random bytes",
        fuzz::cases(1000),
        0x5B17_1002,
        |n| 200 * n + (256 << 10),
        |rng| {
            let input = rng.junk(64 * 1024);
            fuzz::outcome(input.len(), || parse_doc(&input))
        },
    );
}

/// Documents up to the channel cap that are hard on XML parsers.
fn attack(rng: &mut Rng) -> Vec<u8> {
    let kind = rng.below(6);
    // The shape limits refuse the first two at once, at any size; the
    // others are parsed (slowly in a debug build), so they stay smaller.
    let size = 1 + rng.below(if kind < 2 { CAP } else { CAP / 8 });
    let fill = |unit: &str| unit.repeat(size / unit.len() + 1);
    let text = match kind {
        // Quadratic in sxd-document without the shape limits.
        0 => {
            let n = size / 7 + 1;
            format!("{}{}", "<a>".repeat(n), "</a>".repeat(n))
        }
        1 => format!(
            "<a {}/>",
            (0..size / 10 + 1)
                .map(|i| format!("b{i}=\"\""))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        // Entity expansion.
        2 => format!(
            "<!DOCTYPE x [<!ENTITY a \"{}\"><!ENTITY b \"{}\">]><x>&b;</x>",
            "a".repeat(1000),
            "&a;".repeat(1000)
        ),
        3 => format!("<x>{}</x>", fill("<y/>")),
        4 => format!("<x a=\"{}\"/>", fill("v")),
        _ => format!("<x>{}</x>", fill("&amp;&#65;")),
    };
    let mut bytes = text.into_bytes();
    bytes.truncate(CAP);
    bytes
}

#[test]
fn documents_built_to_be_slow_or_large_are_refused_or_linear() {
    fuzz::run(
        "xsi event parser, attacks up to the 1 MiB cap",
        fuzz::cases(60),
        0x5B17_1003,
        |n| 200 * n + (256 << 10),
        |rng| {
            let input = attack(rng);
            fuzz::outcome(input.len(), || parse_doc(&input))
        },
    );
}
