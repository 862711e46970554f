//! Saving a table or a chart: the content the UI produced is checked against
//! its kind and written atomically to the path the person chose in the save
//! dialog (the shell asks the dialog; nothing here shows a window).
//!
//! Checks: CSV and SVG are text of at most [`MAX_EXPORT_BYTES`], an SVG is an
//! `<svg>` document, a PNG is a `data:image/png;base64,` URL whose bytes start
//! with the PNG signature. A failed check names the field and writes nothing;
//! a failed write leaves no partial file behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use polso_api::{ApiError, ErrorCode, ExportFile, ExportKind};

/// The largest file an export writes: 32 MiB (a large PNG at twice the screen's resolution).
pub const MAX_EXPORT_BYTES: usize = 32 * 1024 * 1024;

/// The longest suggested name kept, in characters.
const MAX_NAME_CHARS: usize = 80;

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// The extension of a kind's files.
pub fn extension(kind: ExportKind) -> &'static str {
    match kind {
        ExportKind::Csv => "csv",
        ExportKind::Svg => "svg",
        ExportKind::Png => "png",
    }
}

/// The file name to offer: the suggested name with anything but letters,
/// digits, `-` and `_` turned into `-`, at most 80 characters, never empty,
/// with the kind's extension.
pub fn file_name(file: &ExportFile) -> String {
    let mut name: String = file
        .suggested_name
        .chars()
        .map(|character| if character.is_alphanumeric() || character == '_' { character } else { '-' })
        .take(MAX_NAME_CHARS)
        .collect();
    name = name.trim_matches('-').to_owned();
    if name.is_empty() {
        name = "polso-export".to_owned();
    }
    format!("{name}.{}", extension(file.kind))
}

/// The bytes to write for `file`, or `invalid_input` naming what is wrong.
pub fn export_bytes(file: &ExportFile) -> Result<Vec<u8>, ApiError> {
    let invalid = |message: String| ApiError::new(ErrorCode::InvalidInput, message);
    let bytes = match file.kind {
        ExportKind::Csv => file.content.as_bytes().to_vec(),
        ExportKind::Svg => {
            let text = file.content.trim_start_matches('\u{feff}').trim_start();
            let body = match text.strip_prefix("<?xml") {
                Some(rest) => rest.split_once("?>").map_or("", |(_, after)| after).trim_start(),
                None => text,
            };
            if !body.starts_with("<svg") {
                return Err(invalid("field 'content': an SVG export must be an <svg> document".to_owned()));
            }
            file.content.as_bytes().to_vec()
        }
        ExportKind::Png => {
            let encoded = file.content.strip_prefix("data:image/png;base64,").ok_or_else(|| {
                invalid("field 'content': a PNG export must be a data:image/png;base64 URL".to_owned())
            })?;
            if encoded.len() > MAX_EXPORT_BYTES / 3 * 4 + 4 {
                return Err(too_large());
            }
            let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|error| {
                invalid(format!("field 'content': the PNG's base64 is not valid ({error})"))
            })?;
            if !bytes.starts_with(&PNG_SIGNATURE) {
                return Err(invalid("field 'content': the data is not a PNG image".to_owned()));
            }
            bytes
        }
    };
    if bytes.len() > MAX_EXPORT_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

fn too_large() -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("field 'content': an export is at most {} MiB", MAX_EXPORT_BYTES / 1024 / 1024),
    )
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// synced, then renamed over `path`. On failure nothing is left behind and
/// the error is `export_failed` naming the file.
pub fn write_export(path: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    let failed = |error: std::io::Error| {
        ApiError::new(ErrorCode::ExportFailed, format!("could not save {}: {error}", path.display()))
    };
    let folder = path.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temporary = tempfile::NamedTempFile::new_in(folder).map_err(failed)?;
    temporary.write_all(bytes).map_err(failed)?;
    temporary.as_file().sync_all().map_err(failed)?;
    temporary.persist(path).map_err(|error| failed(error.error))?;
    Ok(())
}

/// Checks `file` and writes it into `folder` under [`file_name`]: the path
/// used when exports go to a fixed folder instead of a dialog.
pub fn export_into(folder: &Path, file: &ExportFile) -> Result<PathBuf, ApiError> {
    let bytes = export_bytes(file)?;
    let path = folder.join(file_name(file));
    write_export(&path, &bytes)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(kind: ExportKind, content: &str) -> ExportFile {
        ExportFile { kind, suggested_name: "heatmap 2026/W47".to_owned(), content: content.to_owned() }
    }

    fn png_url() -> String {
        let mut bytes = PNG_SIGNATURE.to_vec();
        bytes.extend_from_slice(b"rest of the image");
        format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    #[test]
    fn names_are_cleaned_and_get_their_extension() {
        assert_eq!(file_name(&file(ExportKind::Csv, "")), "heatmap-2026-W47.csv");
        let odd = ExportFile { suggested_name: "../../etc/passwd".to_owned(), ..file(ExportKind::Svg, "") };
        assert_eq!(file_name(&odd), "etc-passwd.svg");
        let empty = ExportFile { suggested_name: "///".to_owned(), ..file(ExportKind::Png, "") };
        assert_eq!(file_name(&empty), "polso-export.png");
        let italian = ExportFile { suggested_name: "benessere_sett".to_owned(), ..file(ExportKind::Csv, "") };
        assert_eq!(file_name(&italian), "benessere_sett.csv");
    }

    #[test]
    fn each_kind_is_checked_and_decoded() {
        assert_eq!(export_bytes(&file(ExportKind::Csv, "a;b\n1;2\n")).unwrap(), b"a;b\n1;2\n");
        let svg = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>";
        assert_eq!(export_bytes(&file(ExportKind::Svg, svg)).unwrap(), svg.as_bytes());
        let png = export_bytes(&file(ExportKind::Png, &png_url())).unwrap();
        assert!(png.starts_with(&PNG_SIGNATURE) && png.ends_with(b"rest of the image"));
    }

    #[test]
    fn wrong_content_is_refused_by_name() {
        for (kind, content, expected) in [
            (ExportKind::Svg, "<html></html>", "<svg>"),
            (ExportKind::Png, "data:image/jpeg;base64,AAAA", "data:image/png"),
            (ExportKind::Png, "data:image/png;base64,@@@", "base64"),
            (ExportKind::Png, "data:image/png;base64,AAAAAAAA", "not a PNG"),
        ] {
            let error = export_bytes(&file(kind, content)).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidInput, "{content}");
            assert!(
                error.message.contains("content") && error.message.contains(expected),
                "{}",
                error.message
            );
        }
        let huge = "x".repeat(MAX_EXPORT_BYTES + 1);
        assert_eq!(export_bytes(&file(ExportKind::Csv, &huge)).unwrap_err().code, ErrorCode::PayloadTooLarge);
    }

    #[test]
    fn a_file_is_written_whole_and_replaces_an_older_one() {
        let folder = tempfile::tempdir().unwrap();
        let path = export_into(folder.path(), &file(ExportKind::Csv, "old")).unwrap();
        assert_eq!(path.file_name().unwrap(), "heatmap-2026-W47.csv");
        export_into(folder.path(), &file(ExportKind::Csv, "new")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let entries = std::fs::read_dir(folder.path()).unwrap().count();
        assert_eq!(entries, 1, "no temporary file is left");
    }

    #[test]
    fn a_folder_that_is_gone_is_export_failed_and_leaves_nothing() {
        let folder = tempfile::tempdir().unwrap();
        let gone = folder.path().join("gone");
        let error = export_into(&gone, &file(ExportKind::Csv, "a")).unwrap_err();
        assert_eq!(error.code, ErrorCode::ExportFailed);
        assert!(error.message.contains("heatmap-2026-W47.csv"), "{}", error.message);
        let bad = export_into(folder.path(), &file(ExportKind::Svg, "<p>")).unwrap_err();
        assert_eq!(bad.code, ErrorCode::InvalidInput);
        assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 0);
    }
}
