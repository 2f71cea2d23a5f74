/**
 * Reports of a run: run folders read back, check.json written as a check streams, SVG charts, PNG galleries, the confusion table, what a
 * check sheet shows of a large check, the self-contained HTML report, and the photo benchmark's table
 * and contact sheet.
 *
 * @module
 */

export * from "./check_json_file.ts";
export * from "./check_summary.ts";
export * from "./confusion_table.ts";
export * from "./gallery.ts";
export * from "./photo_report.ts";
export * from "./report_html.ts";
export * from "./run.ts";
export * from "./run_files.ts";
export * from "./svg_charts.ts";
