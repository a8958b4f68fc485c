"""The render: voice, captions and visuals into an MP4.

- `ffmpeg/`: the ONLY place that spells FFmpeg and ffprobe arguments, and runs them.
- `encode`: the render plan and the encode (one run, or parts joined), stills, the thumbnail.
- `parts`: a long video rendered in parts, in parallel, then joined.
- `scene_plan`: each scene's visual, when it is on screen, its frames cut into segments.
- `media`: checks of the caller's media (probed, sizes, limits).
- `loudness`: the voice's integrated loudness, measured in Python.
- `thumbnail`: the thumbnail frame.
- `preview`: a caption style previewed on one still frame.
"""
