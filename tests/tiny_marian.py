"""A tiny Marian translation model built from nothing, for the neural engines' tests.

SentencePiece is trained on a few hundred sentences of the demo outlets, a
small MarianMTModel gets random weights (transformers + PyTorch on CPU), and
CTranslate2's converter turns it into a CTranslate2 model.  Its output is
meaningless; it proves loading, batching, tokenization and detokenization.
Built once and kept in the given cache folder (about 10-30 s on 2 cores).
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

from babelwire.demo.server import load_samples

VERSION = "1"  # change to rebuild cached models


def _sentences() -> list[str]:
    lines: list[str] = []
    for outlet in load_samples():
        for article in outlet.articles:
            lines.append(article.title)
            for _kind, text in article.body:
                lines.extend(part.strip() + "." for part in text.split(".") if part.strip())
    return lines[:600]


def build_marian(cache: Path) -> Path:
    """A CTranslate2 model folder with source.spm and target.spm (no babelwire metadata)."""
    out = cache / f"tiny-marian-{VERSION}"
    if (out / "model.bin").is_file():
        return out
    import ctranslate2
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    work = cache / f"build-{VERSION}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    model_file = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_sentences()),
        model_writer=model_file,
        vocab_size=400,
        character_coverage=1.0,
        model_type="unigram",
    )
    (work / "source.spm").write_bytes(model_file.getvalue())
    (work / "target.spm").write_bytes(model_file.getvalue())
    processor = spm.SentencePieceProcessor(model_file=str(work / "source.spm"))
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    vocab = {"</s>": 0, "<unk>": 1}
    for piece in pieces:
        if piece not in vocab and piece not in ("<s>", "<unk>", "</s>"):
            vocab[piece] = len(vocab)
    vocab["<pad>"] = len(vocab)
    (work / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    tokenizer = MarianTokenizer(
        source_spm=str(work / "source.spm"),
        target_spm=str(work / "target.spm"),
        vocab=str(work / "vocab.json"),
        source_lang="es",
        target_lang="en",
    )
    torch.manual_seed(0)
    config = MarianConfig(
        vocab_size=len(vocab),
        d_model=64,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=128,
        decoder_ffn_dim=128,
        max_position_embeddings=256,
        pad_token_id=vocab["<pad>"],
        eos_token_id=0,
        decoder_start_token_id=vocab["<pad>"],
        forced_eos_token_id=0,
    )
    model = MarianMTModel(config)
    hf = work / "hf"
    model.save_pretrained(hf)
    tokenizer.save_pretrained(hf)
    converted = work / "ct2"
    ctranslate2.converters.TransformersConverter(str(hf)).convert(str(converted), force=True)
    shutil.copy(work / "source.spm", converted / "source.spm")
    shutil.copy(work / "target.spm", converted / "target.spm")
    converted.rename(out)
    shutil.rmtree(work, ignore_errors=True)
    return out


def build_argos_package(cache: Path, source: str = "es", target: str = "en") -> Path:
    """An .argosmodel holding the tiny model: metadata.json, model/, sentencepiece.model."""
    package = cache / f"translate-{source}_{target}-{VERSION}.argosmodel"
    if package.is_file():
        return package
    model = build_marian(cache)
    top = f"translate-{source}_{target}-1_0"
    partial = package.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        archive.writestr(
            f"{top}/metadata.json",
            json.dumps(
                {
                    "package_version": "1.0",
                    "argos_version": "1.9.0",
                    "from_code": source,
                    "to_code": target,
                    "from_name": source,
                    "to_name": target,
                }
            ),
        )
        archive.write(model / "source.spm", f"{top}/sentencepiece.model")
        for path in sorted(model.iterdir()):
            if path.suffix != ".spm":
                archive.write(path, f"{top}/model/{path.name}")
    partial.rename(package)
    return package
