"""The dataset card written with every build: source, license, findings provenance, labels, splits, counts."""

from __future__ import annotations

from huggingface_hub import DatasetCard, DatasetCardData

from datasets_builders.base import ChestXrayBuilder
from datasets_builders.pretraining import PretrainingBuilder
from datasets_builders.summary import BuildSummary

PATIENT_DATA_WARNING = (
    "This dataset is derived from patient data. Use it only under the source's license and data use "
    "agreement, do not try to re-identify anyone, and do not redistribute it where the source forbids it."
)


def dataset_card(builder: ChestXrayBuilder | PretrainingBuilder, summary: BuildSummary) -> DatasetCard:
    """A `DatasetCard` describing the build that `builder` ran and `summary` reports."""
    config = builder.config
    pretraining = isinstance(builder, PretrainingBuilder)
    card_data = DatasetCardData(
        pretty_name=builder.TITLE,
        license="other",
        task_categories=["zero-shot-image-classification" if pretraining else "image-classification"],
        tags=["medical", "chest-x-ray", "medfilip", builder.NAME],
    )
    lines = [
        f"# {builder.TITLE}",
        "",
        f"Built by `medfilip build-dataset {builder.NAME}` (MedFILIP builder `{type(builder).__name__}`).",
        "",
        "## Source and license",
        f"- Source: {builder.SOURCE}",
        f"- License of the data: {builder.LICENSE}",
    ]
    if builder.CITATION:
        lines.append(f"- Cite: {builder.CITATION}")
    lines += ["", "## Patient data", PATIENT_DATA_WARNING, ""]
    if pretraining:
        provenance = summary.findings_provenance or {}
        lines += [
            "## Findings and captions",
            f"- Findings source: {provenance.get('source', 'unknown')}",
            f"- Extraction backend: {provenance.get('backend', 'unknown')}",
            f"- Model: {provenance.get('model', 'unknown')}",
            f"- Prompt version: {provenance.get('prompt_version', 'unknown')}",
            f"- Knowledge dictionary: {builder.dictionary.version}",
            "- `findings` are records (category, severity, location, presence, evidence); `captions[i]` is the "
            "knowledge-injected caption `<severity> <location> <category>. <description>` of `findings[i]`.",
            "- Report text: "
            + (
                "kept (`report_sections`, and each finding's `evidence`)."
                if config.keep_report_text
                else "not kept: the dataset holds no report text (no sections, `evidence` emptied)."
            ),
            "",
        ]
    if builder.LABEL_POLICY:
        lines += ["## Labels", builder.LABEL_POLICY, ""]
    if builder.LABEL_MAPPING:
        lines += ["## Label mapping (dataset class -> knowledge dictionary categories)", ""]
        lines += [f"- `{label}` -> {', '.join(categories)}" for label, categories in builder.LABEL_MAPPING.items()]
        lines.append("")
    lines += [
        "## Splits",
        f"- Policy: {builder.SPLIT_POLICY}",
        f"- Split seed: {config.split_seed}; held-out fractions: validation {config.validation_fraction}, "
        f"test {config.test_fraction} (patient-level, by seeded hash of the patient id)",
    ]
    if config.max_rows is not None:
        lines.append(f"- Capped at the first {config.max_rows} rows of each split (a trial build).")
    lines += ["", "## Images", _IMAGE_NOTE, "", "## Counts", "", "| split | rows |", "|---|---|"]
    lines += [f"| {split} | {count} |" for split, count in summary.rows.items()]
    for split, columns in summary.label_counts.items():
        for column, counts in columns.items():
            shown = ", ".join(f"{label}: {n}" for label, n in sorted(counts.items(), key=lambda item: -item[1]))
            lines.append(f"\n- {split} `{column}`: {shown or 'none'}")
    lines += ["", f"Skipped inputs: {len(summary.skipped)}"]
    lines += [f"- {count} x {reason}" for reason, count in summary.skip_reasons().most_common()]
    lines.append("The skipped files and the reasons are listed in `build_summary.json`.")
    content = f"---\n{card_data.to_yaml()}\n---\n\n" + "\n".join(lines) + "\n"
    return DatasetCard(content)


_IMAGE_NOTE = (
    "The `image` column embeds the image bytes. PNG and JPEG files are stored unchanged after a full decode "
    "proved them readable; DICOM files are decoded (modality LUT, VOI window, MONOCHROME1 inverted) and stored "
    "as 16-bit grayscale PNG."
)
