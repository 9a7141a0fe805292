"""Severity and location lexicons of the rule extractor, and the words allowed between them and a finding."""

from __future__ import annotations

# Grade, size, time course, pattern and chronicity descriptors, as they are written in reports.
SEVERITY_TERMS = (
    "mild", "mildly", "minimal", "minimally", "small", "smaller", "tiny", "trace", "trivial", "slight",
    "slightly", "moderate", "moderately", "large", "larger", "severe", "severely", "marked", "markedly",
    "massive", "extensive", "significant", "considerable", "borderline", "minor", "subtle", "faint",
    "mild to moderate", "moderate to severe", "small to moderate", "moderate to large", "small to large",
    "new", "newly", "worsening", "worsened", "worse", "increasing", "increased", "enlarging", "progressive",
    "improving", "improved", "decreasing", "decreased", "diminished", "resolving", "stable", "stably",
    "unchanged", "persistent", "persisting", "residual", "chronic", "acute", "subacute", "old", "remote",
    "healed", "healing", "recurrent", "early", "developing", "evolving", "long standing", "longstanding",
    "patchy", "diffuse", "diffusely", "focal", "multifocal", "scattered", "streaky", "linear", "platelike",
    "plate like", "discoid", "subsegmental", "segmental", "lobar", "confluent", "reticular", "reticulonodular",
    "hazy", "ill defined", "poorly defined", "well defined", "well circumscribed", "dense", "loculated",
    "layering",
    "calcified", "nodular", "infectious", "noncalcified", "non calcified", "partially calcified", "spiculated",
    "multiple", "numerous",
    "few", "several", "innumerable", "bulky", "coarse", "coarsened", "fine", "prominent", "moderate sized",
    "small sized", "large sized", "degenerative", "postinflammatory", "post inflammatory", "compressive",
    "possible", "probable", "questionable", "suspected", "equivocal",
)  # fmt: skip

# Sides, lobes, zones and structures, as they are written in reports (runs of them form one location).
LOCATION_TERMS = (
    "left", "right", "bilateral", "bilaterally", "both", "bibasilar", "bibasal", "bibasally", "basilar",
    "basal", "base", "bases", "basally", "apex", "apices", "apical", "biapical", "upper", "mid", "middle",
    "lower", "lobe", "lobes", "lingula", "lingular", "lung", "lungs", "zone", "zones", "midlung",
    "perihilar", "hilar", "hilum", "hila", "retrocardiac", "suprahilar", "infrahilar", "paratracheal",
    "mediastinal", "mediastinum", "subpleural", "peripheral", "periphery", "central", "costophrenic",
    "costophrenic angle", "costophrenic angles", "cardiophrenic", "lateral", "medial", "anterior",
    "posterior", "axillary", "hemithorax", "hemithoraces", "chest wall", "diaphragm", "hemidiaphragm",
    "hemidiaphragms", "subdiaphragmatic", "paraspinal", "paramediastinal", "parahilar", "pleural",
    "fissure", "fissural", "minor fissure", "major fissure", "thoracic", "thoracic spine", "spine",
    "lumbar", "cervical", "sternal", "rib", "ribs", "clavicle", "shoulder", "humerus", "aortic", "aorta",
    "aortic arch", "aortic knob", "arch", "descending", "ascending", "superior", "inferior", "segment",
    "segments", "region", "regions", "aspect", "field", "fields", "rul", "rml", "rll", "lul", "lll",
    "infrascapular", "suprascapular", "retrosternal", "pericardial", "mainstem",
    "bronchus", "trachea", "tracheal", "carina", "neck", "upper abdomen", "abdomen", "breast", "axilla",
    "soft tissues", "soft tissue", "peribronchial", "perihilar region", "lung base", "lung bases",
    "lung apex", "lung apices", "posterior costophrenic", "lingular segment", "superior segment",
)  # fmt: skip

# Words that may separate a run of location words from the next one ("left upper and lower lobes").
LOCATION_JOINERS = frozenset({"and", "the", "of", "or", "/", "to"})

# Words that may stand between a finding and a following modifier ("opacity seen in the left base").
FOLLOWING_FILLERS = frozenset(
    """in at of within involving along over overlying projecting on the a is are was were appears appear
    appearing remains remain remaining seen noted present identified demonstrated which that
    again now there both""".split()
)
# Words that may stand between a preceding modifier and a finding ("small left and right effusions").
PRECEDING_FILLERS = frozenset({"and", "to", ",", "the", "a", "an", "of", "in", "/", "or"})
MODIFIER_WINDOW = 6
