#!/usr/bin/env bash
# End-to-end demo on real chest X-rays, on a CPU: extract findings from the COVID-19 collection's clinical
# notes with the offline extractor, build the datasets, train a tiny MedFILIP model, and evaluate it
# zero-shot on held-out Kermany patients (pneumonia vs normal).
# Writes runs/demo/{report.md, metrics.json, predictions.csv, roc.png} and the model in runs/demo/model.
# Usage: bash scripts/demo.sh        (data root: MEDFILIP_DATA_DIR, default ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}"
OUT="${MEDFILIP_DEMO_DIR:-runs/demo}"
rm -rf "$OUT"
mkdir -p "$OUT/data"
start=$(date +%s)

echo "== 1/4 findings from the COVID-19 collection's clinical notes (offline rules)"
medfilip extract "$MEDFILIP_DATA_DIR/covid_ieee8023/metadata.csv" -o "$OUT/covid_findings.jsonl" \
    --id-field filename --text-fields clinical_notes --no-progress

echo "== 2/4 datasets"
medfilip build-dataset covid-pretraining --output "$OUT/data/covid-pretraining" \
    --findings "$OUT/covid_findings.jsonl" | grep -v '^    - '
medfilip build-dataset kermany --output "$OUT/data/kermany" | grep -v '^    - '

echo "== 3/4 training a tiny model (MiniLM caption embeddings for the SSM)"
"$PY" train.py --model tiny --loss_type ssm \
    --dataset "$OUT/data/kermany" "$OUT/data/covid-pretraining" --max_train_samples 2000 \
    --caption_encoder sentence-transformers/all-MiniLM-L6-v2 --embedding_cache_dir "$OUT/cache" \
    --output_dir "$OUT/model" --num_train_epochs 2 --per_device_train_batch_size 32 --learning_rate 1e-3 \
    --warmup_steps 10 --logging_steps 20 --save_strategy no --eval_strategy no --eval_split none \
    --report_to none --disable_tqdm true --seed 0

echo "== 4/4 zero-shot evaluation on held-out Kermany patients"
medfilip evaluate --model "$OUT/model" --dataset "$OUT/data/kermany" --split validation \
    --labels Normal,Pneumonia --output "$OUT"
echo "demo finished in $(( $(date +%s) - start )) s: see $OUT/report.md"
