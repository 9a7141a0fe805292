import pytest

from processing.findings.label_sets import report_labels
from processing.findings.schema import Finding

CHESTXRAY14 = [
    "Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia",
    "Pneumothorax", "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia",
]  # fmt: skip


def test_chestxray14_labels(dictionary):
    findings = [
        Finding(category="pleural effusion", presence="present"),
        Finding(category="pneumothorax", presence="absent"),
        Finding(category="pneumonia", presence="uncertain"),
        Finding(category="covid-19", presence="absent"),
        Finding(category="hernia"),
    ]
    labels = report_labels(findings, dictionary, "chestxray14")
    assert list(labels) == CHESTXRAY14
    expected = dict.fromkeys(CHESTXRAY14, 0) | {"Effusion": 1, "Pneumonia": -1, "Hernia": 1}
    assert labels == expected


def test_present_wins_over_uncertain_and_absent(dictionary):
    findings = [
        Finding(category="covid-19", presence="uncertain"),
        Finding(category="pneumonia", presence="absent"),
        Finding(category="viral pneumonia", presence="present"),
    ]
    assert report_labels(findings, dictionary, "chestxray14")["Pneumonia"] == 1
    assert report_labels(findings, dictionary, "rsna") == {"Lung Opacity": 1, "Normal": 0}


def test_other_label_sets(dictionary):
    findings = [Finding(category="nodule"), Finding(category="no finding")]
    assert report_labels(findings, dictionary, "vindr")["Nodule/Mass"] == 1
    assert report_labels(findings, dictionary, "chexpert")["Lung Lesion"] == 1
    assert report_labels(findings, dictionary, "chexpert")["No Finding"] == 1
    with pytest.raises(KeyError, match="padchest"):
        report_labels(findings, dictionary, "padchest")
