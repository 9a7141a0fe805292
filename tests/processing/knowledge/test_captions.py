import random

import pytest

from processing.findings.schema import Finding
from processing.knowledge import finding_caption, finding_captions, zero_shot_prompt


def test_caption_has_severity_location_category_and_description(dictionary):
    description = dictionary["pleural effusion"].description
    finding = Finding(category="pleural effusion", severity="small", location="left", presence="present")
    assert finding_caption(finding, dictionary) == f"small left pleural effusion. {description}"


def test_missing_fields_are_left_out(dictionary):
    description = dictionary["cardiomegaly"].description
    assert finding_caption(Finding(category="cardiomegaly"), dictionary) == f"cardiomegaly. {description}"
    assert finding_caption(Finding(category="cardiomegaly", location="left"), dictionary) == (
        f"left cardiomegaly. {description}"
    )
    assert finding_caption(Finding(category="strange shadow", severity="faint"), dictionary) == "faint strange shadow."


def test_random_dropping_of_severity_and_location(dictionary):
    finding = Finding(category="pneumothorax", severity="large", location="right apex")
    description = dictionary["pneumothorax"].description
    assert finding_caption(finding, dictionary, drop_probability=1.0) == f"pneumothorax. {description}"
    rng = random.Random(0)
    heads = [finding_caption(finding, dictionary, drop_probability=0.5, rng=rng).split(".")[0] for _ in range(400)]
    counts = {head: heads.count(head) for head in set(heads)}
    assert set(counts) == {
        "large right apex pneumothorax",
        "large pneumothorax",
        "right apex pneumothorax",
        "pneumothorax",
    }
    assert all(60 <= count <= 140 for count in counts.values()), counts
    with pytest.raises(ValueError, match="drop_probability"):
        finding_caption(finding, dictionary, drop_probability=1.5)


def test_captions_keep_positive_findings_only_by_default(dictionary):
    findings = [
        Finding(category="pleural effusion", presence="present"),
        Finding(category="pneumonia", presence="uncertain"),
        Finding(category="pneumothorax", presence="absent"),
    ]
    captions = finding_captions(findings, dictionary)
    assert [caption.split(".")[0] for caption in captions] == ["pleural effusion", "pneumonia"]
    assert len(finding_captions(findings, dictionary, presences=("present",))) == 1


def test_zero_shot_prompts_use_the_dictionary_for_known_classes(dictionary):
    assert zero_shot_prompt("Effusion", dictionary) == dictionary.prompt("pleural effusion")
    assert zero_shot_prompt("COVID-19", dictionary).startswith("covid-19. ")
    assert zero_shot_prompt("a photo of a cat", dictionary) == "a photo of a cat"
