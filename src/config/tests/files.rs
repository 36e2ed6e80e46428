//! Invalid JSON, files, paths and problem rendering.

use super::*;

// --- files and paths --------------------------------------------------

#[test]
fn invalid_json_gives_line_and_column() {
    let cases = [
        (
            "",
            "invalid JSON at line 1, column 0: EOF while parsing a value",
        ),
        (
            "{",
            "invalid JSON at line 1, column 1: EOF while parsing an object",
        ),
        (
            "{\n  \"csta\": }\n",
            "invalid JSON at line 2, column 11: expected value",
        ),
        (
            "{\"a\": 1,}",
            "invalid JSON at line 1, column 9: trailing comma",
        ),
        (
            "{} x",
            "invalid JSON at line 1, column 4: trailing characters",
        ),
        (
            "{\n\n  'csta': {}\n}",
            "invalid JSON at line 3, column 3: key must be a string",
        ),
    ];
    for (text, expected) in cases {
        let err = Config::from_json_str(text, Path::new(BASE_DIR)).unwrap_err();
        let expected = Problem {
            path: String::new(),
            message: expected.to_string(),
        };
        assert_eq!(err.problems, [expected], "{text:?}");
    }
}

#[test]
fn invalid_json_never_shows_the_password() {
    let text = format!("{{\"xsi\": {{\"password\": \"{PASSWORD}\" \"x\"}}}}");
    let err = Config::from_json_str(&text, Path::new(BASE_DIR)).unwrap_err();
    assert_eq!(err.problems.len(), 1);
    assert!(!err.to_string().contains(PASSWORD), "{err}");
}

#[test]
fn byte_order_mark_is_ignored() {
    let text = format!("\u{feff}{}", minimal());
    assert!(Config::from_json_str(&text, Path::new(BASE_DIR)).is_ok());
}

#[test]
fn relative_paths_are_resolved_against_base_dir() {
    let mut document = with("log.file", json!("bwcsta.log"));
    set(&mut document, "status_file", json!("run/status.json"));
    set(&mut document, "pid_file", json!("/var/run/bwcsta.pid"));
    let config = load_ok(&document);
    assert_eq!(
        config.log.file,
        Some(PathBuf::from("/etc/bwcsta/bwcsta.log"))
    );
    assert_eq!(
        config.status_file,
        Some(PathBuf::from("/etc/bwcsta/run/status.json"))
    );
    assert_eq!(config.pid_file, Some(PathBuf::from("/var/run/bwcsta.pid")));
}

#[test]
fn relative_secret_and_ca_files_are_read_from_base_dir() {
    let dir = TempDir::new("relative");
    dir.file("xsi.secret", "from-relative\n");
    dir.file("ca.pem", TEST_CA);
    let mut document = without("xsi.password");
    set(&mut document, "xsi.password_file", json!("xsi.secret"));
    set(&mut document, "xsi.tls.ca_file", json!("ca.pem"));
    let config = Config::from_json_str(&document.to_string(), dir.path()).unwrap();
    assert_eq!(config.xsi.password.expose(), "from-relative");
    assert_eq!(
        config.xsi.tls.ca_file(),
        Some(dir.path().join("ca.pem").as_path())
    );
    // The same names are not found from elsewhere.
    assert_eq!(
        sorted_paths(&document),
        ["xsi.password_file", "xsi.tls.ca_file"]
    );
}

#[test]
fn ca_file_must_be_a_readable_file() {
    let dir = TempDir::new("ca");
    let missing = dir.path().join("missing.pem");
    let cases = [
        (
            missing.clone(),
            format!(
                "xsi.tls.ca_file: cannot read \"{}\": No such file or directory (os error 2)",
                missing.display()
            ),
        ),
        (
            dir.path().to_path_buf(),
            format!(
                "xsi.tls.ca_file: \"{}\" is not a regular file",
                dir.path().display()
            ),
        ),
    ];
    for (file, expected) in cases {
        assert_one_problem(&with("xsi.tls.ca_file", json!(file)), &expected);
    }
}

#[test]
fn ca_file_must_hold_certificates() {
    // Start-up builds its TLS set-up from these, so --check refuses them.
    let dir = TempDir::new("ca-content");
    let not_pem = dir.file("key.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n");
    let broken = dir.file(
        "broken.pem",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    );
    let cases = [
        (
            not_pem.clone(),
            format!(
                "xsi.tls.ca_file: \"{}\": no PEM certificate in the file",
                not_pem.display()
            ),
        ),
        (
            broken.clone(),
            format!("xsi.tls.ca_file: \"{}\": bad certificate", broken.display()),
        ),
    ];
    for (file, expected) in cases {
        let got = lines(&with("xsi.tls.ca_file", json!(file)));
        assert!(
            got.len() == 1 && got[0].starts_with(&expected),
            "{got:?} should start with {expected:?}"
        );
    }
    let good = dir.file("ca.pem", TEST_CA);
    let config = load_ok(&with("xsi.tls.ca_file", json!(good)));
    assert_eq!(config.xsi.tls.ca_file(), Some(good.as_path()));
}

#[test]
fn load_reads_the_file_and_resolves_against_its_directory() {
    let dir = TempDir::new("load");
    dir.file("xsi.secret", "loaded\n");
    let mut document = without("xsi.password");
    set(&mut document, "xsi.password_file", json!("xsi.secret"));
    set(&mut document, "log.file", json!("logs/bwcsta.log"));
    let path = dir.file("bwcsta.json", &document.to_string());
    let config = Config::load(&path).unwrap();
    assert_eq!(config.xsi.password.expose(), "loaded");
    assert_eq!(config.log.file, Some(dir.path().join("logs/bwcsta.log")));
}

#[test]
fn load_problems_name_the_file() {
    let dir = TempDir::new("loadbad");
    let missing = dir.path().join("nope.json");
    let err = Config::load(&missing).unwrap_err();
    let expected = format!(
        "cannot read config file \"{}\": No such file or directory (os error 2)",
        missing.display()
    );
    assert_eq!(
        err.problems,
        [Problem {
            path: String::new(),
            message: expected
        }]
    );

    let broken = dir.file("broken.json", "{");
    let err = Config::load(&broken).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid JSON at line 1, column 1: EOF while parsing an object"
    );
}

#[test]
fn problem_display() {
    let cases = [
        ("csta.listen", "bad", "csta.listen: bad"),
        (
            "",
            "invalid JSON at line 1, column 1: x",
            "invalid JSON at line 1, column 1: x",
        ),
    ];
    for (path, message, expected) in cases {
        let problem = Problem {
            path: path.to_string(),
            message: message.to_string(),
        };
        assert_eq!(problem.to_string(), expected);
    }
}

#[test]
fn quote_escapes_and_cuts() {
    let cases = [
        ("abc", "\"abc\""),
        ("a\"b", "\"a\\\"b\""),
        ("tab\there", "\"tab\\there\""),
        ("", "\"\""),
    ];
    for (text, expected) in cases {
        assert_eq!(quote(text), expected);
    }
    let exact = "é".repeat(QUOTE_MAX_CHARS);
    assert_eq!(quote(&exact), format!("\"{exact}\""));
    assert_eq!(quote(&format!("{exact}z")), format!("\"{exact}\"..."));
}
