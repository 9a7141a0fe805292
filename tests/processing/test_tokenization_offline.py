from __future__ import annotations

from processing.tokenization_offline import BOS_TOKEN, EOS_TOKEN, PAD_TOKEN, train_offline_tokenizer

CORPUS = [
    "Pleural effusion. Dense basal opacity blunting the costophrenic angle with a meniscus.",
    "Pneumothorax. A thin pleural line with no lung markings beyond it.",
    "Cardiomegaly. Enlarged cardiac silhouette.",
]


def test_special_tokens_and_wrapping():
    tokenizer = train_offline_tokenizer(CORPUS, vocab_size=300, model_max_length=32)
    assert [tokenizer.convert_tokens_to_ids(t) for t in (BOS_TOKEN, EOS_TOKEN, PAD_TOKEN)] == [0, 1, 2]
    assert (tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id) == (0, 1, 2)
    ids = tokenizer("Pleural effusion")["input_ids"]
    assert ids[0] == 0 and ids[-1] == 1 and 2 not in ids
    assert tokenizer.decode(ids, skip_special_tokens=True).strip() == "pleural effusion"


def test_unseen_text_encodes_without_unknowns_and_is_padded():
    tokenizer = train_offline_tokenizer(CORPUS, vocab_size=300, model_max_length=32)
    batch = tokenizer(["COVID-19 ground-glass: 42%", "effusion"], padding=True)
    assert tokenizer.decode(batch["input_ids"][0], skip_special_tokens=True).strip() == "covid-19 ground-glass: 42%"
    assert batch["input_ids"][1][-1] == 2 and batch["attention_mask"][1][-1] == 0


def test_training_is_deterministic():
    first = train_offline_tokenizer(CORPUS, vocab_size=300)
    second = train_offline_tokenizer(list(reversed(CORPUS)), vocab_size=300)
    assert first.get_vocab() == second.get_vocab()
