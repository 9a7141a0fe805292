"""Builder names as `medfilip build-dataset` knows them."""

from __future__ import annotations

from datasets_builders.base import ChestXrayBuilder
from datasets_builders.covid import Covid19Classification
from datasets_builders.covid_pretraining import Covid19Pretraining
from datasets_builders.kermany import KermanyPneumonia
from datasets_builders.manifest import PairedManifest
from datasets_builders.mimic_cxr import MimicCxrJpg
from datasets_builders.nih_chestxray14 import NIHChestXray14
from datasets_builders.rsna_pneumonia import RSNAPneumonia
from datasets_builders.vindr_cxr import VinDrCXR

BUILDERS: dict[str, type[ChestXrayBuilder]] = {
    builder.NAME: builder
    for builder in (
        KermanyPneumonia,
        Covid19Classification,
        Covid19Pretraining,
        NIHChestXray14,
        RSNAPneumonia,
        VinDrCXR,
        MimicCxrJpg,
        PairedManifest,
    )
}


def builder_class(name: str) -> type[ChestXrayBuilder]:
    """The builder registered as `name`; raises KeyError listing the known names."""
    try:
        return BUILDERS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(BUILDERS)}") from None
