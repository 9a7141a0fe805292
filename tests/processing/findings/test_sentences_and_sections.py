from processing.findings.report_sections import report_text, select_sections
from processing.findings.sentences import split_sentences


def test_numbered_lists_abbreviations_decimals_and_missing_spaces():
    text = (
        "1. Small left effusion, e.g. at the base. 2. Nodule measures 2.5 cm. Dr. ___ was notified at 3 p.m. "
        "3) Opacity in the apex.There is no pneumothorax"
    )
    assert split_sentences(text) == [
        "Small left effusion, e.g. at the base.",
        "Nodule measures 2.5 cm.",
        "Dr. ___ was notified at 3 p.m.",
        "Opacity in the apex.",
        "There is no pneumothorax",
    ]


def test_deidentification_marks_and_bullets():
    text = "Normal chest x-XXXX. XXXX XXXX.\n- No effusion\n* Stable ___ in the right apex."
    assert split_sentences(text) == ["Normal chest x-XXXX.", "No effusion", "Stable ___ in the right apex."]


def test_lower_case_after_period_does_not_split():
    assert split_sentences("Opacity measuring 2 cm. in the left base. Heart is normal.") == [
        "Opacity measuring 2 cm. in the left base.",
        "Heart is normal.",
    ]


def test_select_sections_reads_findings_and_impression_only():
    report = (
        "FINAL REPORT\nEXAMINATION: CHEST PA AND LAT\nINDICATION: ___ with fever, rule out pneumonia.\n"
        "COMPARISON: None.\nFINDINGS: Small left effusion.\n\nIMPRESSION: Left effusion.\nRECOMMENDATION: none"
    )
    assert select_sections(report) == "Small left effusion.\nLeft effusion."
    inline = "INDICATION: cough. FINDINGS: Lungs are clear. IMPRESSION: Normal."
    assert select_sections(inline) == "Lungs are clear.\nNormal."


def test_select_sections_without_headers_keeps_everything():
    assert select_sections("  No acute disease. Heart normal. ") == "No acute disease. Heart normal."
    assert select_sections("History: cough. No effusion.") == "History: cough. No effusion."


def test_report_text_joins_present_fields_in_order():
    record = {"findings": "Small effusion.", "impression": "", "indication": "fever", "text": None}
    assert report_text(record, ["findings", "impression", "text"]) == "Small effusion."
    assert report_text({"impression": "Normal.", "findings": "Clear."}, ["findings", "impression"]) == (
        "Clear.\nNormal."
    )
    assert report_text({"indication": "cough"}, ["findings", "impression"]) == ""
