import json

import pytest

from processing.knowledge import load_knowledge_dictionary
from processing.knowledge.terms import plural_forms, term_variants

CHESTXRAY14 = [
    "Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia",
    "Pneumothorax", "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia",
]  # fmt: skip


def test_packaged_dictionary_covers_required_vocabulary(dictionary):
    assert len(dictionary) >= 80
    assert dictionary.version == "1.0.0"
    assert set(dictionary.label_set_names) == {"chestxray14", "vindr", "rsna", "chexpert"}
    assert list(dictionary.label_set("chestxray14")) == CHESTXRAY14
    for set_name in dictionary.label_set_names:
        for label in dictionary.label_set(set_name):
            assert dictionary.lookup(label) is not None, (set_name, label)
    for entry in dictionary:
        assert entry.name == entry.name.lower()
        assert len(entry.description.split()) >= 8, entry.name
        assert entry.description.endswith("."), entry.name


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Pleural_Thickening", "pleural thickening"),
        ("Effusion", "pleural effusion"),
        ("effusions", "pleural effusion"),
        ("pleural fluid", "pleural effusion"),
        ("No Finding", "no finding"),
        ("Lung Opacity", "opacity"),
        ("opacities", "opacity"),
        ("COVID-19", "covid-19"),
        ("covid 19", "covid-19"),
        ("ATELECTASES", "atelectasis"),
        ("pneumothoraces", "pneumothorax"),
        ("masses", "mass"),
        ("bullae", "bulla"),
        ("enlarged cardiac silhouette", "cardiomegaly"),
        ("Nodule/Mass", "nodule"),
        ("Enlarged PA", "enlarged pulmonary artery"),
        ("Support Devices", "support device"),
        ("ground glass opacities", "ground-glass opacity"),
    ],
)
def test_lookup_resolves_names_synonyms_labels_and_plurals(dictionary, text, category):
    assert dictionary.lookup(text).name == category


def test_lookup_of_unknown_term_is_none_and_prompt_raises(dictionary):
    assert dictionary.lookup("flux capacitor") is None
    with pytest.raises(KeyError, match="flux capacitor"):
        dictionary.prompt("flux capacitor")


def test_prompt_is_category_then_description(dictionary):
    entry = dictionary.lookup("pneumothorax")
    assert dictionary.prompt("Pneumothorax") == f"pneumothorax. {entry.description}"
    assert "pleural line" in entry.description


def test_label_membership(dictionary):
    assert dictionary["nodule"].labels == {
        "chestxray14": ("Nodule",),
        "vindr": ("Nodule/Mass",),
        "chexpert": ("Lung Lesion",),
    }
    assert dictionary["covid-19"].labels["chestxray14"] == ("Pneumonia",)


def test_texts_contain_names_synonyms_and_descriptions(dictionary):
    texts = list(dictionary.texts())
    entry = dictionary["pleural effusion"]
    assert "pleural effusion" in texts and "pleural fluid" in texts and entry.description in texts
    assert len(texts) == sum(2 + len(e.synonyms) for e in dictionary)


def test_user_file_overrides_and_extends(dictionary, tmp_path):
    user = tmp_path / "my_terms.json"
    user.write_text(
        json.dumps(
            {
                "version": "2",
                "categories": [
                    {"name": "Pneumothorax", "description": "air in the pleural space, my words."},
                    {
                        "name": "Monkeypox Pneumonia",
                        "synonyms": ["mpox pneumonia"],
                        "description": "scattered small nodules with patchy opacity.",
                    },
                ],
                "label_sets": {"chestxray14": {"Pneumonia": ["pneumonia", "monkeypox pneumonia"]}},
            }
        )
    )
    extended = load_knowledge_dictionary(extra_paths=[user])
    assert extended.version == "1.0.0+my_terms-2"
    assert len(extended) == len(dictionary) + 1
    assert extended.prompt("pneumothorax") == "pneumothorax. air in the pleural space, my words."
    assert extended["pneumothorax"].synonyms == dictionary["pneumothorax"].synonyms
    assert extended.prompt("MPOX pneumonias") == "monkeypox pneumonia. scattered small nodules with patchy opacity."
    assert extended.label_set("chestxray14")["Pneumonia"] == ("pneumonia", "monkeypox pneumonia")
    assert extended["monkeypox pneumonia"].labels == {"chestxray14": ("Pneumonia",)}


def test_user_file_errors_name_the_file(tmp_path):
    no_description = tmp_path / "bad.json"
    no_description.write_text(json.dumps({"categories": [{"name": "new thing"}]}))
    with pytest.raises(ValueError, match="new thing.*bad.json"):
        load_knowledge_dictionary(extra_paths=[no_description])
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match="broken.json"):
        load_knowledge_dictionary(extra_paths=[broken])
    unknown_category = tmp_path / "labels.json"
    unknown_category.write_text(json.dumps({"label_sets": {"mine": {"X": ["no such category"]}}}))
    with pytest.raises(ValueError, match="no such category"):
        load_knowledge_dictionary(extra_paths=[unknown_category])


def test_plural_forms():
    assert plural_forms("opacity") == ("opacities",)
    assert plural_forms("atelectasis") == ("atelectases",)
    assert plural_forms("pneumothorax") == ("pneumothoraces", "pneumothoraxes")
    assert plural_forms("mass") == ("masses",)
    assert plural_forms("bulla") == ("bullae", "bullas")
    assert term_variants("Pleural_Effusion") == ("pleural effusion", "pleural effusions")
