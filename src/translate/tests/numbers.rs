//! Remote party numbers.

use super::*;

#[test]
fn number_of_table() {
    let cases: &[(&str, Option<&str>)] = &[
        ("tel:+1555;ext=1", Some("+1555")),
        ("tel:+15551234;ext=1", Some("+15551234")),
        ("tel:2002", Some("2002")),
        ("TEL:2002", Some("2002")),
        (" tel:2002 ", Some("2002")),
        ("sip:2001@host;user=phone", Some("2001")),
        ("sip:+15551234@as.example.com;user=phone", Some("+15551234")),
        ("SIP:2001@host", Some("2001")),
        ("sips:2001@host", Some("2001")),
        ("2002", Some("2002")),
        ("2002;ext=7", Some("2002")),
        ("", None),
        ("   ", None),
        ("tel:", None),
        ("tel:;ext=1", None),
        ("sip:@host", None),
    ];
    for (uri, want) in cases {
        assert_eq!(number_of(uri).as_deref(), *want, "{uri:?}");
    }
}

#[test]
fn remote_device_table() {
    fn rp(address: Option<&str>, user_dn: Option<&str>, user_id: Option<&str>) -> RemoteParty {
        RemoteParty {
            address: address.map(str::to_owned),
            user_dn: user_dn.map(str::to_owned),
            user_id: user_id.map(str::to_owned),
            ..RemoteParty::default()
        }
    }
    let remote = |n: &str| Dev::Remote(n.to_owned());
    let private = RemoteParty {
        privacy: true,
        ..rp(Some("tel:2002"), None, None)
    };
    let cases: Vec<(&str, RemoteParty, Dev)> = vec![
        (
            "tel with ext",
            rp(Some("tel:+1555;ext=1"), None, None),
            remote("+1555"),
        ),
        (
            "sip user=phone",
            rp(Some("sip:2001@host;user=phone"), None, None),
            remote("2001"),
        ),
        (
            "address wins over userDN and userId",
            rp(
                Some("tel:2002"),
                Some("tel:+15550002002;ext=2002"),
                Some("u@example.com"),
            ),
            remote("2002"),
        ),
        ("empty", RemoteParty::default(), Dev::NotKnown),
        ("empty address", rp(Some(""), None, None), Dev::NotKnown),
        (
            "userDN fallback",
            rp(
                None,
                Some("tel:+15006001011;ext=1011"),
                Some("u@example.com"),
            ),
            remote("+15006001011"),
        ),
        (
            "userDN fallback after an empty address",
            rp(Some("tel:"), Some("tel:+15006001011;ext=1011"), None),
            remote("+15006001011"),
        ),
        (
            "userId fallback",
            rp(None, None, Some("2005@example.com")),
            remote("2005"),
        ),
        (
            "userId without domain",
            rp(None, None, Some("2005")),
            remote("2005"),
        ),
        (
            "userId fallback after empty URIs",
            rp(Some(""), Some(" "), Some("2005@example.com")),
            remote("2005"),
        ),
        (
            "userId with an empty local part",
            rp(None, None, Some("@example.com")),
            Dev::NotKnown,
        ),
        ("privacy", private, Dev::Restricted),
    ];
    for (name, party, want) in cases {
        assert_eq!(remote_device(&party), want, "{name}");
    }
}
