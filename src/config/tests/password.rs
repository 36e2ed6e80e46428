//! The Xsi password: from the file or inline, and never shown.

use super::*;

// --- the password ------------------------------------------------------

#[test]
fn password_from_file_is_trimmed() {
    let dir = TempDir::new("trim");
    let cases = [
        ("pw\n", "pw"),
        ("pw\r\n", "pw"),
        ("pw\n\n", "pw"),
        ("pw", "pw"),
        (" pw with spaces \n", " pw with spaces "),
        ("line1\nline2\n", "line1\nline2"),
    ];
    for (index, (content, expected)) in cases.into_iter().enumerate() {
        let file = dir.file(&format!("secret{index}"), content);
        let mut document = without("xsi.password");
        set(&mut document, "xsi.password_file", json!(file));
        assert_eq!(
            load_ok(&document).xsi.password.expose(),
            expected,
            "{content:?}"
        );
    }
}

#[test]
fn password_file_problems_name_the_file_only() {
    let dir = TempDir::new("pwfile");
    let empty = dir.file("empty", "");
    let newline = dir.file("newline", "\r\n");
    let binary = dir.bytes("binary", &[0xff, 0xfe, b'x']);
    let missing = dir.path().join("missing");
    let cases = [
        (
            empty.clone(),
            format!("xsi.password_file: \"{}\" is empty", empty.display()),
        ),
        (
            newline.clone(),
            format!("xsi.password_file: \"{}\" is empty", newline.display()),
        ),
        (
            binary.clone(),
            format!(
                "xsi.password_file: \"{}\" is not UTF-8 text",
                binary.display()
            ),
        ),
        (
            missing.clone(),
            format!(
                "xsi.password_file: cannot read \"{}\": No such file or directory (os error 2)",
                missing.display()
            ),
        ),
    ];
    for (file, expected) in cases {
        let mut document = without("xsi.password");
        set(&mut document, "xsi.password_file", json!(file));
        assert_one_problem(&document, &expected);
    }
}

#[test]
fn password_file_that_is_a_directory_or_huge() {
    let dir = TempDir::new("pwdir");
    let huge = dir.file("huge", &"x".repeat(70_000));
    let cases = [
        (dir.path().to_path_buf(), "Is a directory"),
        (huge, "is larger than 64 KiB"),
    ];
    for (file, fragment) in cases {
        let mut document = without("xsi.password");
        set(&mut document, "xsi.password_file", json!(file));
        let problems = lines(&document);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("xsi.password_file: "),
            "{}",
            problems[0]
        );
        assert!(problems[0].contains(fragment), "{}", problems[0]);
    }
}

#[test]
fn password_and_password_file_together() {
    let dir = TempDir::new("both");
    let file = dir.file("secret", "other-secret\n");
    let document = with("xsi.password_file", json!(file));
    assert_one_problem(
        &document,
        "xsi.password: give either xsi.password or xsi.password_file, not both",
    );
}

#[test]
fn password_of_the_wrong_type_is_never_echoed() {
    let cases = [
        (json!(12345), "a number"),
        (json!(true), "a boolean"),
        (json!([PASSWORD]), "an array"),
        (json!({ "value": PASSWORD }), "an object"),
        (json!(null), "null"),
    ];
    for (value, kind) in cases {
        let document = with("xsi.password", value);
        assert_one_problem(
            &document,
            &format!("xsi.password: expected a string, found {kind}"),
        );
    }
    let problems = lines(&with("xsi.password", json!(12345))).join("\n");
    assert!(!problems.contains("12345"), "{problems}");
    assert_one_problem(
        &with("xsi.password", json!("")),
        "xsi.password: must not be empty",
    );
}

#[test]
fn password_never_appears_in_any_problem() {
    let documents = [
        with("xsi.password_file", json!("/nonexistent/secret")),
        with("xsi.password_file", json!(PASSWORD)),
        with("xsi.password", json!([PASSWORD])),
        with("xsi.pasword", json!(PASSWORD)),
        with(
            "xsi.servers",
            json!([{ "name": "a", "url": format!("https://u:{PASSWORD}@x") }]),
        ),
        with("log.level", json!(5)),
    ];
    for document in documents {
        let text = parse(&document).unwrap_err().to_string();
        assert!(!text.contains(PASSWORD), "{text}");
    }
}

#[test]
fn debug_output_hides_the_password() {
    let config = load_ok(&minimal());
    let debug = format!("{config:?}");
    assert!(debug.contains("password: ***"), "{debug}");
    assert!(!debug.contains(PASSWORD), "{debug}");
    let pretty = format!("{config:#?}");
    assert!(!pretty.contains(PASSWORD));
    assert_eq!(format!("{}", config.xsi.password), "***");
    assert_eq!(format!("{:?}", Secret::new("x")), "***");
    assert_eq!(Secret::new("x").expose(), "x");
}
