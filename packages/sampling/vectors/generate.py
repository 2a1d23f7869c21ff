#!/usr/bin/env python3
"""
Golden vectors for packages/sampling, computed by text-generation-webui's own sampler code.

Loads, at run time only (nothing of it is ever committed here):
  * TGW v1.14 `modules/sampler_hijack.py` (and HEAD's, for XTC, top_n_sigma and adaptive-p) from a
    git mirror of text-generation-webui (`git show <ref>:modules/sampler_hijack.py`);
  * Hugging Face transformers' `generation/logits_process.py` (the processors and warpers TGW
    builds on), from a transformers checkout (`--transformers-repo`, `git show <ref>:...`) or a
    file (`--logits-process`).
Both run unmodified; only their imports are served by small shims (see `install_shims`).

Writes `vectors/tgw-vectors.json.gz`: base logit rows, and cases that name a base row, a mask
rule, a token history, sampling parameters, and the full distribution the final draw uses
(token ids with nonzero probability and their probabilities). See README.md.

Usage: python3 generate.py --tgw-repo PATH [--transformers-repo PATH | --logits-process FILE]
"""
import argparse
import base64
import gzip
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import types

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'tgw-vectors.json.gz')
SPARSE_LIMIT = 3000

# ---------------------------------------------------------------------------------------------
# Loading TGW and transformers behind import shims


def git_show(repo, ref, path):
    return subprocess.run(['git', '--git-dir', repo, 'show', f'{ref}:{path}'], check=True,
                          capture_output=True, text=True).stdout


def git_rev(repo, ref):
    return subprocess.run(['git', '--git-dir', repo, 'rev-parse', f'{ref}^{{commit}}'], check=True,
                          capture_output=True, text=True).stdout.strip()


class FakeTokenizer:
    """XTC asks the tokenizer for the newline and EOS ids; the vectors fix them."""
    eos_token_id = 0

    def encode(self, text):
        return [1]


def install_shims(root, logits_process_src):
    """A `transformers` package that holds only generation/logits_process.py, plus TGW's `modules`."""
    tf = os.path.join(root, 'transformers')
    os.makedirs(os.path.join(tf, 'generation'))
    os.makedirs(os.path.join(tf, 'utils'))
    with open(os.path.join(tf, 'generation', 'logits_process.py'), 'w') as f:
        f.write(logits_process_src)
    with open(os.path.join(tf, 'generation', '__init__.py'), 'w') as f:
        f.write('')
    with open(os.path.join(tf, '_typing.py'), 'w') as f:
        f.write('WhisperGenerationConfigLike = object\n')
    with open(os.path.join(tf, 'utils', '__init__.py'), 'w') as f:
        f.write('def add_start_docstrings(*a, **k):\n    return lambda fn: fn\n'
                'def is_torch_xpu_available():\n    return False\n')
    with open(os.path.join(tf, 'utils', 'logging.py'), 'w') as f:
        f.write('import logging\ndef get_logger(name):\n    return logging.getLogger(name)\n')
    with open(os.path.join(tf, '__init__.py'), 'w') as f:
        f.write('from .generation.logits_process import LogitsProcessor\n'
                'LogitsWarper = LogitsProcessor\n'
                'def is_torch_xpu_available():\n    return False\n'
                'class GenerationMixin:\n'
                '    def _get_logits_warper(self, *a, **k): raise NotImplementedError\n'
                '    def _get_logits_processor(self, *a, **k): raise NotImplementedError\n'
                'class GenerationConfig:\n'
                '    def __init__(self, **kwargs): pass\n')
    mods = os.path.join(root, 'modules')
    os.makedirs(mods)
    with open(os.path.join(mods, '__init__.py'), 'w') as f:
        f.write('')
    with open(os.path.join(mods, 'shared.py'), 'w') as f:
        f.write('class _Args:\n    verbose = False\nargs = _Args()\ntokenizer = None\n')
    with open(os.path.join(mods, 'logging_colors.py'), 'w') as f:
        f.write('import logging\nlogger = logging.getLogger("tgw")\n')
    with open(os.path.join(mods, 'torch_utils.py'), 'w') as f:
        f.write('def get_device():\n    return None\n')


def load_module(root, name, source):
    path = os.path.join(root, 'modules', name + '.py')
    with open(path, 'w') as f:
        f.write(source)
    import importlib
    return importlib.import_module('modules.' + name)


# v1.14's MirostatLogitsWarper moves its tensors to 'cuda' on a machine without XPU; on this CPU
# machine that move is made a no-op (the values are unchanged by it).
_original_to = torch.Tensor.to


def _cpu_to(self, *args, **kwargs):
    if args and isinstance(args[0], str) and args[0] in ('cuda', 'xpu'):
        return self
    return _original_to(self, *args, **kwargs)


torch.Tensor.to = _cpu_to

# ---------------------------------------------------------------------------------------------
# Deterministic inputs. Logits are multiples of 2^-10 (exact in float32) built from a seeded
# numpy generator; they are stored in the vectors, so the TypeScript side never regenerates them.


def make_base(kind, vocab, rng):
    if kind == 'gaussian':
        x = rng.normal(0.0, 2.0, vocab)
    elif kind == 'zipf':
        ranks = rng.permutation(vocab) + 1
        x = -1.1 * np.log(ranks) + rng.normal(0, 0.05, vocab)
    elif kind == 'peaked':
        x = rng.normal(-4.0, 1.5, vocab)
        x[rng.integers(0, vocab)] = 9.0
        x[rng.integers(0, vocab)] = 6.5
    elif kind == 'bf16':
        x = rng.normal(0.0, 3.0, vocab)
        t = torch.tensor(x, dtype=torch.float32).to(torch.bfloat16).to(torch.float32)
        return t.numpy().astype(np.float32)  # bf16 values: many exact ties
    elif kind == 'flat-top':
        x = rng.normal(-2.0, 1.0, vocab)
        top = rng.choice(vocab, 4, replace=False)
        x[top] = 3.0  # four tokens tied at the top
    else:
        raise ValueError(kind)
    return (np.round(x * 1024) / 1024).astype(np.float32)


def masked_ids(vocab, permille):
    """The mask rule shared with the TypeScript test: (id * 2654435761 mod 2^32) mod 1000 < permille."""
    if permille <= 0:
        return []
    ids = np.arange(vocab, dtype=np.uint64)
    h = (ids * np.uint64(2654435761)) & np.uint64(0xFFFFFFFF)
    return np.nonzero((h % np.uint64(1000)) < np.uint64(permille))[0].tolist()


def make_history(base, rng, length, kind):
    """Token history: likely tokens (so penalties matter), with repeated phrases for DRY."""
    order = np.argsort(-base, kind='stable')
    pool = order[: max(8, min(64, len(order)))].tolist()
    if kind == 'random':
        return [int(rng.choice(pool)) for _ in range(length)]
    phrase = [int(rng.choice(pool)) for _ in range(int(rng.integers(3, 7)))]
    out = []
    while len(out) < length:
        if rng.random() < 0.5:
            out += phrase
        else:
            out += [int(rng.choice(pool)) for _ in range(int(rng.integers(1, 5)))]
    out = out[:length]
    # End inside the phrase, so that DRY has a match to extend.
    cut = int(rng.integers(1, len(phrase)))
    return out + phrase[:cut]


# ---------------------------------------------------------------------------------------------
# The chain, as TGW v1.14 assembles it


DEFAULT_PRIORITY = ['temperature', 'dynamic_temperature', 'quadratic_sampling', 'top_k', 'top_p', 'typical_p',
                    'epsilon_cutoff', 'eta_cutoff', 'tfs', 'top_a', 'min_p', 'mirostat']

NEUTRAL = dict(
    temperature=1.0, temperature_last=False, dynamic_temperature=False, dynatemp_low=1.0, dynatemp_high=1.0,
    dynatemp_exponent=1.0, smoothing_factor=0.0, smoothing_curve=1.0, top_k=0, top_p=1.0, typical_p=1.0,
    epsilon_cutoff=0.0, eta_cutoff=0.0, tfs=1.0, top_a=0.0, min_p=0.0, mirostat_mode=0, mirostat_tau=5.0,
    mirostat_eta=0.1, sampler_priority=None, repetition_penalty=1.0, repetition_penalty_range=1024,
    presence_penalty=0.0, frequency_penalty=0.0, encoder_repetition_penalty=1.0, no_repeat_ngram_size=0,
    dry_multiplier=0.0, dry_base=1.75, dry_allowed_length=2, xtc_threshold=0.1, xtc_probability=0.0,
    top_n_sigma=0.0, adaptive_target=0.0, adaptive_decay=0.9,
)


class Config:
    """Stands in for transformers' GenerationConfig with TGW's extra fields (the case's params)."""

    def __init__(self, p):
        for k, v in p.items():
            setattr(self, k, v)
        self.num_beams = 1
        self.sampler_priority = list(p['sampler_priority'] or DEFAULT_PRIORITY)
        # transformers' own names for its fields
        self.renormalize_logits = False


def hf_warpers_v444(hf, cfg):
    """transformers 4.44 `_get_logits_warper`, the warpers TGW v1.14 starts from, in its order."""
    w = hf.LogitsProcessorList()
    if cfg.temperature is not None and cfg.temperature != 1.0:
        w.append(hf.TemperatureLogitsWarper(cfg.temperature))
    if cfg.top_k is not None and cfg.top_k != 0:
        w.append(hf.TopKLogitsWarper(top_k=cfg.top_k, min_tokens_to_keep=1))
    if cfg.top_p is not None and cfg.top_p < 1.0:
        w.append(hf.TopPLogitsWarper(top_p=cfg.top_p, min_tokens_to_keep=1))
    if cfg.min_p is not None:
        w.append(hf.MinPLogitsWarper(min_p=cfg.min_p, min_tokens_to_keep=1))
    if cfg.typical_p is not None and cfg.typical_p < 1.0:
        w.append(hf.TypicalLogitsWarper(mass=cfg.typical_p, min_tokens_to_keep=1))
    if cfg.epsilon_cutoff is not None and 0.0 < cfg.epsilon_cutoff < 1.0:
        w.append(hf.EpsilonLogitsWarper(epsilon=cfg.epsilon_cutoff, min_tokens_to_keep=1))
    if cfg.eta_cutoff is not None and 0.0 < cfg.eta_cutoff < 1.0:
        w.append(hf.EtaLogitsWarper(epsilon=cfg.eta_cutoff, min_tokens_to_keep=1))
    return w


def processors_v114(hf, tgw, cfg, prompt_ids, breakers):
    """transformers 4.44 `_get_logits_processor` (the fields used here, in its order) through TGW
    v1.14's `get_logits_processor_patch`, which also appends DRY."""
    class Owner:
        def _get_logits_processor_old(self, **kwargs):
            c = kwargs['generation_config']
            out = hf.LogitsProcessorList()
            if c.encoder_repetition_penalty is not None and c.encoder_repetition_penalty != 1.0:
                out.append(hf.EncoderRepetitionPenaltyLogitsProcessor(
                    penalty=float(c.encoder_repetition_penalty), encoder_input_ids=prompt_ids))
            if c.repetition_penalty is not None and c.repetition_penalty != 1.0:
                out.append(hf.RepetitionPenaltyLogitsProcessor(penalty=float(c.repetition_penalty)))
            if c.no_repeat_ngram_size is not None and c.no_repeat_ngram_size > 0:
                out.append(hf.NoRepeatNGramLogitsProcessor(c.no_repeat_ngram_size))
            return out
    cfg.dry_sequence_breakers = '[]'
    procs = tgw.get_logits_processor_patch(Owner(), generation_config=cfg)
    # TGW tokenizes its breaker strings; the vectors give the breaker token ids directly.
    for p in procs:
        if p.__class__.__name__ == 'DRYLogitsProcessor':
            p.sequence_breakers = set(breakers)
    return procs


def warpers_v114(hf, tgw, cfg):
    class Owner:
        def _get_logits_warper_old(self, generation_config, **kwargs):
            return hf_warpers_v444(hf, generation_config)
    return tgw.get_logits_warper_patch(Owner(), cfg)


class Capture:
    """Records what mirostat (or adaptive-p) samples from: its softmax input to torch.multinomial."""

    def __init__(self):
        self.calls = []
        self.sorts = []

    def __enter__(self):
        self._mult = torch.multinomial
        self._sort = torch.sort
        cap = self

        def multinomial(probs, *a, **k):
            cap.calls.append(probs.detach().clone())
            return cap._mult(probs, *a, **k)

        def sort(x, *a, **k):
            r = cap._sort(x, *a, **k)
            cap.sorts.append(r)
            return r
        torch.multinomial = multinomial
        torch.sort = sort
        return self

    def __exit__(self, *exc):
        torch.multinomial = self._mult
        torch.sort = self._sort


def run_v114(hf, tgw, logits, history, prompt, p, breakers, mu0=None, dtype=torch.float32):
    cfg = Config(p)
    ids = torch.tensor([history], dtype=torch.long)
    prompt_ids = torch.tensor([prompt], dtype=torch.long)
    scores = torch.tensor(logits, dtype=dtype).unsqueeze(0)
    for proc in processors_v114(hf, tgw, cfg, prompt_ids, breakers):
        scores = proc(ids, scores)
    warpers = warpers_v114(hf, tgw, cfg)
    extra = {}
    for w in warpers:
        name = w.__class__.__name__
        if name == 'MirostatLogitsWarper':
            if mu0 is not None:
                w.mu = mu0
            extra['mu0'] = w.mu
            with Capture() as cap:
                scores = w(ids, scores)
            probs = cap.calls[-1]
            kept = cap.sorts[-1][1][: probs.shape[0]]  # the warper's own sort of the row
            extra['survivors'] = (kept.tolist(), probs.tolist())
            extra['mu_after'] = w.mu
            extra['chosen'] = int(torch.nonzero(torch.isfinite(scores[0]))[0, 0])
            return None, extra, [x.__class__.__name__ for x in warpers]
        scores = w(ids, scores)
    return torch.softmax(scores[0], dim=-1), extra, [x.__class__.__name__ for x in warpers]


def run_head_warper(tgw_head, logits, p, kind, state=None, dtype=torch.float32, hf=None):
    """HEAD-only samplers (XTC, top_n_sigma, adaptive-p) after an optional temperature and,
    when `hf` is given, transformers' top_k, top_p and min_p warpers (the default order puts the
    HEAD samplers after those)."""
    scores = torch.tensor(logits, dtype=dtype).unsqueeze(0)
    ids = torch.zeros((1, 1), dtype=torch.long)
    if p['temperature'] != 1.0:
        scores = scores / p['temperature']
    if hf is not None:
        if p['top_k'] > 0:
            scores = hf.TopKLogitsWarper(top_k=p['top_k'])(ids, scores)
        if p['top_p'] < 1.0:
            scores = hf.TopPLogitsWarper(top_p=p['top_p'])(ids, scores)
        if p['min_p'] > 0:
            scores = hf.MinPLogitsWarper(min_p=p['min_p'])(ids, scores)
    extra = {}
    if kind == 'xtc':
        w = tgw_head.XTCLogitsWarper(p['xtc_threshold'], p['xtc_probability'])
        w.special_token_ids = list(p['_special'])
        scores = w(ids, scores)
    elif kind == 'top_n_sigma':
        scores = tgw_head.TopNSigmaLogitsWarper(p['top_n_sigma'])(ids, scores)
    elif kind == 'adaptive_p':
        w = tgw_head.AdaptivePLogitsWarper(p['adaptive_target'], p['adaptive_decay'])
        if state is not None:
            w.weighted_sum, w.total_weight = state
        extra['state0'] = [w.weighted_sum, w.total_weight]
        orig = torch.softmax(scores[0], dim=-1)
        with Capture() as cap:
            scores = w(ids, scores)
        new_probs = cap.calls[-1]
        nz = torch.nonzero(new_probs > 0)[:, 0]
        extra['survivors'] = (nz.tolist(), new_probs[nz].tolist())
        extra['original'] = orig[nz].tolist()
        extra['state_after'] = [w.weighted_sum, w.total_weight]
        return None, extra
    return torch.softmax(scores[0], dim=-1), extra


# ---------------------------------------------------------------------------------------------
# Cases

SINGLE = {
    'temperature': [0.3, 0.7, 1.5],
    'top_k': [1, 5, 40],
    'top_p': [0.5, 0.9, 0.97],
    'typical_p': [0.3, 0.9],
    'epsilon_cutoff': [3.0, 9.0],  # TGW's units of 1e-4
    'eta_cutoff': [3.0, 20.0],
    'tfs': [0.5, 0.95],
    'top_a': [0.1, 0.5],
    'min_p': [0.05, 0.2],
    'dynamic_temperature': [(0.5, 1.5, 1.0), (0.2, 2.0, 0.5)],
    'quadratic_sampling': [(0.3, 1.0), (1.5, 2.5)],
}


def set_sampler(p, name, v):
    if name == 'dynamic_temperature':
        p.update(dynamic_temperature=True, dynatemp_low=v[0], dynatemp_high=v[1], dynatemp_exponent=v[2])
    elif name == 'quadratic_sampling':
        p.update(smoothing_factor=v[0], smoothing_curve=v[1])
    else:
        p[name] = v


def to_tgw_units(p):
    """TGW divides epsilon_cutoff and eta_cutoff by 1e4 before handing them to transformers."""
    q = dict(p)
    q['epsilon_cutoff'] = p['epsilon_cutoff'] * 1e-4
    q['eta_cutoff'] = p['eta_cutoff'] * 1e-4
    return q


def permutations(vocab, key):
    """Renumberings of the vocabulary (new id of token t is perm[t]): reversed, and three shuffles.
    torch.sort is not stable, so one renumbering can leave tied tokens in the same order by chance."""
    seed = sum(ord(ch) for ch in key)
    shuffles = [np.random.default_rng(seed + i).permutation(vocab) for i in range(3)]
    return [np.arange(vocab)[::-1].copy()] + shuffles


def b64(arr, dtype):
    return base64.b64encode(np.asarray(arr, dtype=dtype).tobytes()).decode('ascii')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--tgw-repo', required=True)
    ap.add_argument('--tgw-ref', default='v1.14')
    ap.add_argument('--tgw-head', default='HEAD')
    ap.add_argument('--transformers-repo')
    ap.add_argument('--transformers-ref', default='v4.44.2')
    ap.add_argument('--logits-process')
    ap.add_argument('--out', default=OUT)
    args = ap.parse_args()

    if args.transformers_repo:
        lp_src = git_show(args.transformers_repo, args.transformers_ref, 'src/transformers/generation/logits_process.py')
        tf_source = f'transformers {args.transformers_ref} ({git_rev(args.transformers_repo, args.transformers_ref)})'
    elif args.logits_process:
        lp_src = open(args.logits_process).read()
        tf_source = f'file {os.path.basename(args.logits_process)}: ' + lp_src.splitlines()[1].lstrip('# ').strip()
    else:
        sys.exit('give --transformers-repo or --logits-process')

    root = tempfile.mkdtemp(prefix='tgw-vectors-')
    install_shims(root, lp_src)
    sys.path.insert(0, root)
    import modules.shared as shared
    shared.tokenizer = FakeTokenizer()
    hf = __import__('transformers.generation.logits_process', fromlist=['x'])
    tgw = load_module(root, 'sampler_hijack_v114', git_show(args.tgw_repo, args.tgw_ref, 'modules/sampler_hijack.py'))
    tgw_head = load_module(root, 'sampler_hijack_head', git_show(args.tgw_repo, args.tgw_head, 'modules/sampler_hijack.py'))

    rng = np.random.default_rng(20261206)
    torch.manual_seed(11)
    random.seed(11)
    bases = []
    base_kinds = ['gaussian', 'zipf', 'peaked', 'bf16', 'flat-top']
    for vocab in (1000, 50257):
        for kind in base_kinds:
            bases.append({'vocab': vocab, 'kind': kind, 'logits': make_base(kind, vocab, rng)})

    cases = []

    def add(case_id, base_index, permille, history, prompt, params, breakers=(), mu0=None, note=None, vocab_filter=None):
        b = bases[base_index]
        logits = b['logits'].copy()
        masked = masked_ids(b['vocab'], permille)
        logits[masked] = -np.inf
        full = dict(NEUTRAL)
        full.update(params)
        probs, extra, order = run_v114(hf, tgw, logits, history, prompt, to_tgw_units(full), list(breakers), mu0)
        survivors = int((probs > 0).sum()) if probs is not None else len(extra['survivors'][0])
        if b['vocab'] > 1000 and survivors > SPARSE_LIMIT and full['top_k'] == 0:
            # Keep the committed file small: at 50,257 a case that leaves thousands of tokens is
            # run again behind top_k 300 (named in its id).
            return add(case_id + '+top_k300', base_index, permille, history, prompt, {**params, 'top_k': 300},
                       breakers, mu0, note)
        # The same case under four renumberings of the vocabulary (reversed, and shuffled): where
        # TGW's result depends on how its (unstable) sort orders tied values, the runs disagree
        # and the case is marked tie-sensitive.
        tie_sensitive = False
        for perm in permutations(b['vocab'], case_id):
            plogits = np.empty_like(logits)
            plogits[perm] = logits
            pp, pextra, _ = run_v114(hf, tgw, plogits, [int(perm[t]) for t in history], [int(perm[t]) for t in prompt],
                                     to_tgw_units(full), [int(perm[t]) for t in breakers], extra.get('mu0', mu0))
            if probs is not None:
                back = pp[torch.from_numpy(perm)]
                tie_sensitive |= bool(((back > 0) != (probs > 0)).any()) or float(torch.max(torch.abs(probs - back))) > 1e-5
            else:
                inverse = np.argsort(perm)
                tie_sensitive |= sorted(extra['survivors'][0]) != sorted(int(inverse[t]) for t in pextra['survivors'][0])
        rec = {'id': case_id, 'base': base_index, 'maskPermille': permille, 'history': history, 'prompt': prompt,
               'params': {k: v for k, v in full.items() if NEUTRAL.get(k) != v or k in params},
               'breakers': list(breakers), 'tgwOrder': order}
        if probs is None:
            rec['mirostat'] = {'mu0': extra['mu0'], 'muAfter': extra['mu_after'],
                               'ids': b64(extra['survivors'][0], '<i4'), 'probs': b64(extra['survivors'][1], '<f4')}
        else:
            pr = probs.numpy()
            nz = np.nonzero(pr > 0)[0]
            rec['ids'] = b64(nz, '<i4')
            rec['probs'] = b64(pr[nz], '<f4')
        if tie_sensitive:
            rec['tieSensitive'] = True
        # The same case in float64: where TGW's float32 arithmetic puts a value on the other side
        # of a threshold, the float64 result is stored too (the exact arithmetic of the same code).
        if probs is not None and not tie_sensitive:
            xprobs, _, _ = run_v114(hf, tgw, logits, history, prompt, to_tgw_units(full), list(breakers), mu0, torch.float64)
            if bool(((xprobs > 0) != (probs > 0)).any()) or float(torch.max(torch.abs(xprobs - probs.double()))) > 1e-6:
                xp = xprobs.numpy()
                xnz = np.nonzero(xp > 0)[0]
                rec['exact'] = {'ids': b64(xnz, '<i4'), 'probs': b64(xp[xnz], '<f4')}
        if note:
            rec['note'] = note
        cases.append(rec)

    def pick_base(vocab):
        offset = 0 if vocab == 1000 else len(base_kinds)
        return offset + int(rng.integers(0, len(base_kinds)))

    hist_cache = {}

    def history_for(bi, length=96, kind='phrase'):
        key = (bi, length, kind, len(hist_cache))
        h = make_history(bases[bi]['logits'], rng, length, kind)
        hist_cache[key] = h
        return h

    n = 0
    # 1. Every sampler alone, every base, with and without a mask.
    for name, values in SINGLE.items():
        for v in values:
            for bi in range(len(bases)):
                for permille in (0, 300):
                    p = {}
                    set_sampler(p, name, v)
                    if bases[bi]['vocab'] > 1000 and name in ('temperature', 'dynamic_temperature', 'quadratic_sampling', 'eta_cutoff', 'typical_p'):
                        p['top_k'] = 200  # keeps the stored distribution sparse at 50,257
                    add(f'single-{name}-{v}-{bi}-{permille}', bi, permille, [1, 2, 3], [1], p)
                    n += 1
    # 2. Pairs of samplers, default order and reversed.
    names = list(SINGLE)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            for rev in (False, True):
                bi = pick_base(1000 if rng.random() < 0.8 else 50257)
                p = {}
                set_sampler(p, a, SINGLE[a][int(rng.integers(0, len(SINGLE[a])))])
                set_sampler(p, b, SINGLE[b][int(rng.integers(0, len(SINGLE[b])))])
                if bases[bi]['vocab'] > 1000 and not any(k in p for k in ('top_k', 'top_p', 'min_p', 'tfs', 'top_a', 'epsilon_cutoff')):
                    p['top_k'] = 200
                if rev:
                    p['sampler_priority'] = [b, a]
                add(f'pair-{a}-{b}-{"rev" if rev else "def"}-{bi}', bi, int(rng.choice([0, 0, 200, 500])), [1], [1], p)
    # 3. Realistic chains in the default order, random sampler_priority, temperature_last.
    def random_chain():
        p = {}
        for name in names:
            if rng.random() < 0.45:
                vals = SINGLE[name]
                set_sampler(p, name, vals[int(rng.integers(0, len(vals)))])
        return p

    for k in range(260):
        bi = pick_base(1000 if k % 4 else 50257)
        p = random_chain()
        mode = k % 4
        if mode == 1:
            pr = list(DEFAULT_PRIORITY)
            rng.shuffle(pr)
            p['sampler_priority'] = pr[: int(rng.integers(1, len(pr) + 1))]
        elif mode == 2:
            p['temperature_last'] = True
            if 'temperature' not in p:
                p['temperature'] = 0.7
        elif mode == 3:
            pr = list(DEFAULT_PRIORITY)
            rng.shuffle(pr)
            p['sampler_priority'] = pr
            p['temperature_last'] = bool(rng.random() < 0.5)
        if bases[bi]['vocab'] > 1000 and 'top_k' not in p:
            p['top_k'] = 300
        add(f'chain-{k}-{bi}', bi, int(rng.choice([0, 0, 100, 600])), [1], [1], p)
    # 3b. temperature_last with temperature unnamed while another unnamed warper follows it in
    # TGW's build order (v1.14 keeps temperature first; HEAD, and this package, move it last), and
    # the unnamed-warper example (min_p and typical_p unnamed).
    for k, bi in enumerate([0, 1, 3, 6]):
        add(f'templast-unnamed-{k}-{bi}', bi, 0, [1], [1],
            {'temperature_last': True, 'temperature': 0.5, 'top_p': 0.8, 'min_p': 0.05, 'sampler_priority': ['min_p', 'top_k']})
        add(f'unnamed-order-{k}-{bi}', bi, 0, [1], [1],
            {'sampler_priority': ['top_k'], 'min_p': 0.2, 'typical_p': 0.5})
    # 4. Penalties and DRY (processors), with a warper or not.
    for k in range(220):
        bi = pick_base(1000 if k % 5 else 50257)
        hist = history_for(bi, int(rng.choice([40, 96, 300])), 'phrase' if k % 3 else 'random')
        prompt = hist[: int(rng.integers(1, 20))]
        p = {}
        which = k % 6
        if which == 0:
            p['repetition_penalty'] = 1.1  # the value TGW v1.14 forces: agrees exactly
        elif which == 1:
            p['repetition_penalty'] = float(rng.choice([1.05, 1.3, 1.8]))
        elif which == 2:
            p['presence_penalty'] = float(rng.choice([0.3, 1.0]))
            p['frequency_penalty'] = float(rng.choice([0.0, 0.2]))
            p['repetition_penalty'] = 1.1
        elif which == 3:
            p['dry_multiplier'] = float(rng.choice([0.5, 0.8, 2.0]))
            p['dry_base'] = float(rng.choice([1.5, 1.75]))
            p['dry_allowed_length'] = int(rng.choice([1, 2, 3]))
        elif which == 4:
            p['encoder_repetition_penalty'] = float(rng.choice([0.9, 1.2]))
            p['no_repeat_ngram_size'] = int(rng.choice([0, 2, 3]))
        else:
            p['repetition_penalty'] = float(rng.choice([0.8, 0.95]))  # below 1: HF's own processor
        p['repetition_penalty_range'] = int(rng.choice([0, 16, 64, 1024]))
        breakers = []
        if 'dry_multiplier' in p:
            breakers = [int(x) for x in rng.choice(hist, size=int(rng.integers(0, 3)), replace=False)]
        if rng.random() < 0.5 or bases[bi]['vocab'] > 1000:
            p['top_k'] = int(rng.choice([20, 50]))
            p['temperature'] = float(rng.choice([0.7, 1.0]))
        add(f'proc-{k}-{bi}', bi, int(rng.choice([0, 0, 150])), hist, prompt, p, breakers)
    # 5. Mirostat 2: the surviving set and the mu update, from a given mu.
    for k in range(110):
        bi = pick_base(1000 if k % 4 else 50257)
        p = {'mirostat_mode': 2, 'mirostat_tau': float(rng.choice([2.0, 3.0, 5.0, 8.0])),
             'mirostat_eta': float(rng.choice([0.1, 0.3]))}
        if k % 3 == 1:
            p['temperature'] = 0.8
            p['top_k'] = 40
        mu0 = None if k % 2 == 0 else float(rng.uniform(0.5, 12.0))
        add(f'mirostat-{k}-{bi}', bi, int(rng.choice([0, 250])), [1], [1], p, mu0=mu0)

    # 6. TGW HEAD samplers: XTC, top_n_sigma, adaptive-p; alone, then after a truncation.
    head_cases = []
    for k in range(195):
        kind = ['xtc', 'top_n_sigma', 'adaptive_p'][k % 3]
        chained = k >= 150  # after a truncation: top_k, top_p or min_p
        bi = pick_base(1000 if k % 5 else 50257)
        b = bases[bi]
        logits = b['logits'].copy()
        permille = int(rng.choice([0, 0, 300]))
        logits[masked_ids(b['vocab'], permille)] = -np.inf
        p = dict(NEUTRAL)
        p['temperature'] = float(rng.choice([1.0, 0.7, 1.3]))
        if chained:
            which = int(rng.integers(0, 3))
            if which == 0:
                p['top_k'] = int(rng.choice([5, 40]))
            elif which == 1:
                p['top_p'] = float(rng.choice([0.8, 0.95]))
            else:
                p['min_p'] = float(rng.choice([0.02, 0.1]))
        state = None
        if kind == 'xtc':
            p['xtc_probability'] = 1.0
            p['xtc_threshold'] = float(rng.choice([0.05, 0.1, 0.2]))
            order = np.argsort(-logits, kind='stable')
            p['_special'] = [int(order[int(rng.integers(0, 4))])] if rng.random() < 0.3 else [int(order[-1])]
        elif kind == 'top_n_sigma':
            p['top_n_sigma'] = float(rng.choice([0.5, 1.0, 2.0]))
        else:
            p['adaptive_target'] = float(rng.choice([0.1, 0.3, 0.6]))
            p['adaptive_decay'] = float(rng.choice([0.5, 0.9, 0.995]))
            if k % 2:
                state = [float(rng.uniform(0, 3)), float(rng.uniform(1, 5))]
        if b['vocab'] > 1000 and kind != 'top_n_sigma':
            # keep the stored distribution small: only the 300 best tokens are candidates
            order = np.argsort(-logits, kind='stable')
            logits[order[300:]] = -np.inf
            permille = None
            p['_keep'] = order[:300].tolist()
        probs, extra = run_head_warper(tgw_head, logits, p, kind, state, hf=hf if chained else None)
        head_tie = False
        if kind != 'adaptive_p':
            for perm in permutations(b['vocab'], f'head-{k}'):
                rp = dict(p)
                if kind == 'xtc':
                    rp['_special'] = [int(perm[t]) for t in p['_special']]
                plogits = np.empty_like(logits)
                plogits[perm] = logits
                pp, _ = run_head_warper(tgw_head, plogits, rp, kind, state, hf=hf if chained else None)
                head_tie |= float(torch.max(torch.abs(probs - pp[torch.from_numpy(perm)]))) > 1e-5
        rec = {'id': f'head-{kind}-{k}-{bi}' + ('-chained' if chained else ''), 'base': bi, 'maskPermille': permille if permille is not None else 0,
               'keepOnly': p.get('_keep'), 'params': {kk: v for kk, v in p.items() if not kk.startswith('_') and NEUTRAL.get(kk) != v},
               'history': [1], 'prompt': [1], 'breakers': [], 'head': kind}
        if kind == 'xtc':
            rec['special'] = p['_special']
        if head_tie:
            rec['tieSensitive'] = True
        if probs is None:
            rec['adaptive'] = {'state0': extra['state0'], 'stateAfter': extra['state_after'],
                               'ids': b64(extra['survivors'][0], '<i4'), 'probs': b64(extra['survivors'][1], '<f4'),
                               'original': b64(extra['original'], '<f4')}
        else:
            pr = probs.numpy()
            nz = np.nonzero(pr > 0)[0]
            rec['ids'] = b64(nz, '<i4')
            rec['probs'] = b64(pr[nz], '<f4')
        head_cases.append(rec)

    out = {
        'generator': 'packages/sampling/vectors/generate.py',
        'tgw': {'v1.14': git_rev(args.tgw_repo, args.tgw_ref), 'head': git_rev(args.tgw_repo, args.tgw_head)},
        'transformers': tf_source,
        'torch': torch.__version__,
        'bases': [{'vocab': b['vocab'], 'kind': b['kind'], 'logits': b64(b['logits'], '<f4')} for b in bases],
        'cases': cases + head_cases,
    }
    data = json.dumps(out, separators=(',', ':')).encode()
    with gzip.GzipFile(args.out, 'wb', mtime=0) as f:
        f.write(data)
    print(f'{len(cases) + len(head_cases)} cases, {len(data)} bytes of JSON, {os.path.getsize(args.out)} gzip\'ed -> {args.out}')


if __name__ == '__main__':
    main()
