use std::time::{Duration, UNIX_EPOCH};

use super::*;

fn rec(kind: Kind, source: &str, tag: &str, payload: &[u8]) -> Record {
    Record {
        time: UNIX_EPOCH + Duration::new(1_795_600_800, 123_456_000),
        kind,
        source: source.into(),
        tag: tag.into(),
        payload: payload.to_vec(),
    }
}

fn file(records: &[Record]) -> Vec<u8> {
    let mut out = format!("{MAGIC}\n").into_bytes();
    for r in records {
        encode(r, &mut out);
    }
    out
}

#[test]
fn header_and_payload_layout() {
    let mut out = Vec::new();
    encode(
        &rec(Kind::CstaOut, "client#1@127.0.0.1:4000", "9999", b"<a/>"),
        &mut out,
    );
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "2026-11-25T10:00:00.123456Z csta-out client#1@127.0.0.1:4000 9999 4\n<a/>\n"
    );
}

#[test]
fn records_round_trip_whatever_their_payload() {
    let payloads: [&[u8]; 6] = [
        b"",
        b"<xsi:Event>\n  pretty\n</xsi:Event>",
        b"line\nwith 2026-11-25T10:00:00.000000Z xsi fake - 3\nheaders inside",
        b"\n\n\n",
        &[0, 0, 0x10, 0xff, b'\n', 0x80],
        b"# not a comment inside a payload",
    ];
    let kinds = [
        Kind::Meta,
        Kind::Xsi,
        Kind::CstaIn,
        Kind::CstaOut,
        Kind::CstaClose,
        Kind::Dropped,
    ];
    let records: Vec<Record> = payloads
        .iter()
        .zip(kinds)
        .enumerate()
        .map(|(i, (p, k))| rec(k, &format!("src{i}"), "-", p))
        .collect();
    let (back, error) = decode(&file(&records));
    assert_eq!(error, None);
    assert_eq!(back, records);
}

#[test]
fn names_with_spaces_stay_one_field() {
    assert_eq!(field("xsp one"), "xsp_one");
    assert_eq!(field(""), "-");
    let mut out = Vec::new();
    encode(&rec(Kind::Xsi, "xsp\tone two", "", b"x"), &mut out);
    let (back, error) = decode(&out);
    assert_eq!(error, None);
    assert_eq!(back[0].source, "xsp_one_two");
    assert_eq!(back[0].tag, "-");
}

#[test]
fn damaged_files_keep_what_came_before() {
    let good = rec(Kind::Xsi, "xsp1", "-", b"<doc/>");
    let mut bytes = file(std::slice::from_ref(&good));
    let whole = bytes.len();
    encode(
        &rec(Kind::Xsi, "xsp1", "-", b"<second-document/>"),
        &mut bytes,
    );
    // Cut inside the second record's payload, then inside its header.
    for cut in [bytes.len() - 5, whole + 10] {
        let (back, error) = decode(&bytes[..cut]);
        assert_eq!(back, vec![good.clone()], "cut at {cut}");
        let error = error.expect("an error");
        assert_eq!(error.offset, whole, "{error}");
    }
    let cases: [(&str, &str); 7] = [
        ("2026-11-25T10:00:00Z xsi xsp1 - 3\nabc", "cut short"),
        ("2026-11-25T10:00:00Z xsi xsp1 - 3\nabcd\n", "cut short"),
        (
            "2026-11-25T10:00:00Z bogus xsp1 - 1\na\n",
            "unknown record kind",
        ),
        ("yesterday xsi xsp1 - 1\na\n", "bad time"),
        (
            "2026-11-25T10:00:00Z xsi xsp1 - -1\na\n",
            "bad payload length",
        ),
        (
            "2026-11-25T10:00:00Z xsi xsp1 - 99999999999\na\n",
            "bad payload length",
        ),
        ("2026-11-25T10:00:00Z xsi xsp1 1\na\n", "4 fields, not 5"),
    ];
    for (text, want) in cases {
        let (back, error) = decode(text.as_bytes());
        assert!(back.is_empty(), "{text:?}");
        let error = error.expect(text);
        assert!(error.to_string().contains(want), "{text:?}: {error}");
    }
}

#[test]
fn secrets_are_masked() {
    let secrets = vec![b"hunter2".to_vec(), b"Y3RpOmh1bnRlcjI=".to_vec()];
    let cases: [(&str, &str); 7] = [
        ("<a>nothing to hide</a>", "<a>nothing to hide</a>"),
        ("<p>hunter2</p>", "<p>********</p>"),
        ("hunter2hunter2", "****************"),
        ("x Y3RpOmh1bnRlcjI= y", "x ******** y"),
        (
            "GET / HTTP/1.1\r\nAuthorization: Basic abc\r\nHost: x\r\n",
            "GET / HTTP/1.1\r\nAuthorization: ********\r\nHost: x\r\n",
        ),
        (
            "<h>authorization: Basic Zm9v</h><h>AUTHORIZATION:x</h>",
            "<h>authorization: ********</h><h>AUTHORIZATION: ********</h>",
        ),
        ("hunter", "hunter"),
    ];
    for (input, want) in cases {
        let got = redact(input.as_bytes(), &secrets);
        assert_eq!(String::from_utf8_lossy(&got), want, "{input:?}");
    }
    assert!(matches!(
        redact(b"<clean/>", &secrets),
        std::borrow::Cow::Borrowed(_)
    ));
    assert_eq!(&*redact(b"abc", &[Vec::new()]), b"abc", "empty secret");
}

#[test]
fn agent_passwords_are_masked() {
    let cases: [(&str, &str); 9] = [
        (
            "<SetAgentState><agentPassword>4711</agentPassword></SetAgentState>",
            "<SetAgentState><agentPassword>********</agentPassword></SetAgentState>",
        ),
        (
            "<csta:agentPassword a=\"1\">s&amp;cret</csta:agentPassword>",
            "<csta:agentPassword a=\"1\">********</csta:agentPassword>",
        ),
        (
            "<agentPassword><![CDATA[a<b]]></agentPassword><x>agentPassword</x>",
            "<agentPassword>********</agentPassword><x>agentPassword</x>",
        ),
        (
            "<agentPassword>1</agentPassword><agentPassword>22</agentPassword>",
            "<agentPassword>********</agentPassword><agentPassword>********</agentPassword>",
        ),
        ("<agentPassword>cut off", "<agentPassword>********"),
        (
            "<agentPassword/><agentPassword></agentPassword>",
            "<agentPassword/><agentPassword></agentPassword>",
        ),
        (
            "<agentPasswordHint>h</agentPasswordHint>",
            "<agentPasswordHint>h</agentPasswordHint>",
        ),
        (
            "<agentID>agentPassword</agentID>",
            "<agentID>agentPassword</agentID>",
        ),
        (
            "<p:agentPassword>x</q:agentPassword>",
            "<p:agentPassword>********</q:agentPassword>",
        ),
    ];
    for (input, want) in cases {
        let got = redact(input.as_bytes(), &[]);
        assert_eq!(String::from_utf8_lossy(&got), want, "{input:?}");
    }
}

#[test]
fn link_change_words_round_trip() {
    let cases = [
        (LinkChange::Up, "up"),
        (LinkChange::Down, "down"),
        (LinkChange::AckFailed, "ack-failed"),
    ];
    for (change, word) in cases {
        assert_eq!(change.as_str(), word);
        assert_eq!(LinkChange::parse(word), Some(change), "{word}");
    }
    assert_eq!(LinkChange::parse("Up"), None);
    assert_eq!(LinkChange::parse(""), None);
}
