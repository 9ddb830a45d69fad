//! Files: CSV for Excel (BOM, `;`, Cyrillic intact), an XLSX workbook with typed cells, and
//! zip archives of either.

use crate::support::{called, raw, scrub, unzip};

/// What the files hold (durations and prices follow the line's random timings, so the CSV
/// snapshot leaves them out; the workbook has them as numbers).
const FIELDS: &str = "fields=phone,taskName,botName,status,responder,startedAt,isFinished,dialogResults,messagesAsString";
const TYPED: &str =
    "fields=phone,taskName,status,duration,price,startedAt,isFinished,dialogResults";

#[tokio::test]
async fn csv_opens_in_excel_with_cyrillic_intact() {
    let (app, _) = called().await;
    let token = &app.tokens.admin;
    let path = format!(
        "/api/v1/search/cis/calls?{FIELDS}&sort=phone&output=CSV&filename=%D0%BE%D1%82%D1%87%D1%91%D1%82"
    );
    let (status, content_type, disposition, bytes) = raw(&app, &path, token).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/csv; charset=utf-8");
    insta::assert_snapshot!("csv_disposition", disposition);
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte-order mark");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.contains("Обзвон клиентов") && text.contains("Иван"));
    insta::assert_snapshot!("csv", text);
}

#[tokio::test]
async fn excel_is_a_workbook_with_typed_cells() {
    let (app, _) = called().await;
    let token = &app.tokens.admin;
    let path = format!("/api/v1/search/cis/calls?{TYPED}&sort=phone&output=EXCEL");
    let (status, content_type, disposition, bytes) = raw(&app, &path, token).await;
    assert_eq!(status, 200);
    assert_eq!(
        content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(disposition.contains("statistics.xlsx"), "{disposition}");
    let entries = unzip(&bytes);
    let names: Vec<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();
    assert!(names.contains(&"xl/workbook.xml"), "{names:?}");
    let sheet = entries
        .iter()
        .find(|(name, _)| name == "xl/worksheets/sheet1.xml")
        .map(|(_, content)| String::from_utf8(content.clone()).unwrap())
        .unwrap();
    // Constant-memory sheets keep their strings inline; numbers and booleans are typed cells.
    assert!(sheet.contains("Обзвон клиентов"), "{sheet}");
    assert!(sheet.contains("t=\"b\""), "a boolean cell");
    assert!(
        sheet.contains("<v>45730.375</v>"),
        "startedAt (2025-03-14 09:00 UTC) as a date serial"
    );
    assert!(sheet.contains("<v>74950000001</v>") || sheet.contains("74950000001"));
    let rows = sheet.matches("<row ").count();
    assert_eq!(rows, 5, "a header and four calls");
}

#[tokio::test]
async fn archives_are_zips_of_the_file() {
    let (app, _) = called().await;
    let token = &app.tokens.admin;
    let path = format!(
        "/api/v1/search/cis/calls?{FIELDS}&sort=phone&output=CSV&archive=true&filename=calls"
    );
    let (status, content_type, disposition, bytes) = raw(&app, &path, token).await;
    assert_eq!((status, content_type.as_str()), (200, "application/zip"));
    assert!(disposition.contains("calls.zip"), "{disposition}");
    let entries = unzip(&bytes);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].0, "calls.csv");
    let (_, _, _, plain) = raw(
        &app,
        &format!("/api/v1/search/cis/calls?{FIELDS}&sort=phone&output=CSV"),
        token,
    )
    .await;
    assert_eq!(entries[0].1, plain.to_vec());
    let json = raw(
        &app,
        "/api/v1/search/cis/calls?fields=id,phone&sort=phone&archive=true",
        token,
    )
    .await;
    let inner = unzip(&json.3);
    assert_eq!(inner[0].0, "statistics.json");
    let archived: serde_json::Value =
        serde_json::from_str(&scrub(std::str::from_utf8(&inner[0].1).unwrap())).unwrap();
    insta::assert_json_snapshot!("archived_json", archived);
}
