"""Text work: a script cleaned and cut into sentences, by language.

- `script`: cleaning, limits, sentences (`process_script`).
- `languages`: the supported languages and their sentence rules.
- `segmentation`: word segmentation for languages written without spaces (Japanese).
- `word_split`: a sentence's words, as captions and word timings count them.
- `scenes`: scene markers in a script (`![](media){options}`), scene options, each scene's
  sentences.

Nothing here imports from `render/`, `tts/` or `align/`: text is below them.
"""
