import pytest

from processing.findings.rule_extractor import RuleExtractor
from processing.findings.schema import NO_FINDING


@pytest.fixture(scope="module")
def extractor():
    return RuleExtractor()


def facts(extractor, text):
    return [(f.category, f.severity, f.location, f.presence) for f in extractor.extract(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Small left pleural effusion.", [("pleural effusion", "small", "left", "present")]),
        ("Bilateral effusions.", [("pleural effusion", None, "bilateral", "present")]),
        ("Patchy opacity in the left lower lobe.", [("opacity", "patchy", "left lower lobe", "present")]),
        ("The heart is mildly enlarged.", [("cardiomegaly", "mildly", None, "present")]),
        ("Enlarged cardiac silhouette.", [("cardiomegaly", None, None, "present")]),
        ("Moderate right pneumothorax.", [("pneumothorax", "moderate", "right", "present")]),
        ("Pleural fluid at the right base.", [("pleural effusion", None, "right base", "present")]),
    ],
)
def test_mentions_with_severity_and_location(extractor, text, expected):
    assert facts(extractor, text) == expected


@pytest.mark.parametrize(
    ("sentence", "category", "presence"),
    [
        ("No pneumothorax.", "pneumothorax", "absent"),
        ("There is no evidence of pneumothorax.", "pneumothorax", "absent"),
        ("Lungs are clear without consolidation.", "consolidation", "absent"),
        ("Lungs are free of focal consolidation.", "consolidation", "absent"),
        ("The previously seen pneumothorax has resolved.", "pneumothorax", "absent"),
        ("Resolved right lower lobe pneumonia.", "pneumonia", "absent"),
        ("Pneumothorax is not seen.", "pneumothorax", "absent"),
        ("Pneumonia cannot be excluded.", "pneumonia", "uncertain"),
        ("Cannot exclude early pneumonia.", "pneumonia", "uncertain"),
        ("Basilar opacity may represent atelectasis.", "atelectasis", "uncertain"),
        ("Possible small effusion.", "pleural effusion", "uncertain"),
        ("Findings are suspicious for edema.", "edema", "uncertain"),
        ("No focal consolidation to suggest pneumonia.", "pneumonia", "absent"),
        ("No change in the small left effusion.", "pleural effusion", "present"),
        ("No interval change in cardiomegaly.", "cardiomegaly", "present"),
    ],
)
def test_negation_and_uncertainty(extractor, sentence, category, presence):
    found = {f.category: f.presence for f in extractor.extract(sentence)}
    assert found[category] == presence


def test_pre_negation_covers_a_list(extractor):
    found = {f.category: f.presence for f in extractor.extract("No pneumothorax, pleural effusion, or edema.")}
    assert found == {"pneumothorax": "absent", "pleural effusion": "absent", "edema": "absent", NO_FINDING: "present"}


@pytest.mark.parametrize("joint", ["but", "however", ";"])
def test_scope_ends_at_but_however_and_semicolons(extractor, joint):
    text = f"No pneumothorax {joint} small right effusion is present."
    found = {f.category: f.presence for f in extractor.extract(text)}
    assert found == {"pneumothorax": "absent", "pleural effusion": "present"}


def test_scope_ends_at_a_new_clause(extractor):
    found = {f.category: f.presence for f in extractor.extract("No effusion, there is mild atelectasis.")}
    assert found == {"pleural effusion": "absent", "atelectasis": "present"}


def test_uncertainty_scope_is_sentence_bounded(extractor):
    found = extractor.extract("Possible pneumonia. Small effusion.")
    assert [(f.category, f.presence) for f in found] == [("pneumonia", "uncertain"), ("pleural effusion", "present")]


def test_normal_report_gives_one_no_finding(extractor):
    findings = extractor.extract("The lungs are clear. Heart size is normal. No effusion or pneumothorax.")
    assert [(f.category, f.presence) for f in findings] == [
        ("pleural effusion", "absent"),
        ("pneumothorax", "absent"),
        (NO_FINDING, "present"),
    ]
    assert extractor.extract("Unremarkable study.")[-1].category == NO_FINDING


def test_support_devices_alone_still_count_as_a_normal_study(extractor):
    findings = extractor.extract("Pacemaker leads in the right ventricle. Lungs are clear.")
    assert [f.category for f in findings] == ["pacemaker", NO_FINDING]


def test_abnormal_report_has_no_no_finding(extractor):
    assert NO_FINDING not in [f.category for f in extractor.extract("Mild cardiomegaly. No effusion.")]


def test_evidence_is_the_sentence_and_sections_are_selected(extractor):
    report = "INDICATION: rule out pneumonia.\nFINDINGS: Small left effusion. No pneumothorax.\nIMPRESSION: Effusion."
    findings = extractor.extract(report)
    assert "pneumonia" not in [f.category for f in findings]
    assert findings[0].evidence == "Small left effusion."
    assert [f.evidence for f in findings] == ["Small left effusion.", "No pneumothorax.", "Effusion."]


def test_longest_phrase_wins(extractor):
    found = [f.category for f in extractor.extract("Small pericardial effusion. Subcutaneous emphysema.")]
    assert found == ["pericardial effusion", "subcutaneous emphysema"]


def test_user_dictionary_entries_are_extracted(tmp_path):
    from processing.knowledge import load_knowledge_dictionary

    extra = tmp_path / "extra.json"
    extra.write_text(
        '{"categories": [{"name": "mpox pneumonia", "synonyms": ["monkeypox pneumonia"],'
        ' "description": "scattered nodules."}]}'
    )
    extractor = RuleExtractor(load_knowledge_dictionary(extra_paths=[extra]))
    assert facts(extractor, "Possible monkeypox pneumonia in the right lung.") == [
        ("mpox pneumonia", None, "right lung", "uncertain")
    ]
