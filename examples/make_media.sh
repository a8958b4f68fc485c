#!/usr/bin/env bash
# Generate the demo's base video and music with FFmpeg, so the repository ships no media.
# Usage: examples/make_media.sh [OUTDIR]   (default: examples/media)
set -euo pipefail
out=${1:-examples/media}
mkdir -p "$out"

if [ ! -s "$out/base.mp4" ]; then
  # 12 s of slowly moving gradients with a faint cellular pattern, 1920x1080 at 30 fps.
  # Shorter than the narration on purpose: the render loops it.
  ffmpeg -v error -y \
    -f lavfi -i "gradients=s=1920x1080:r=30:d=12:c0=0x1b2a4e:c1=0x3a6073:c2=0x16222a:c3=0x5c4a72:nb_colors=4:speed=0.015,format=yuv420p" \
    -f lavfi -i "life=s=480x270:r=30:mold=10:life_color=0xffffff:death_color=0x000000:mold_color=0x303060:ratio=0.08:seed=7,scale=1920:1080:flags=neighbor,format=yuv420p" \
    -filter_complex "[0][1]blend=all_mode=screen:all_opacity=0.25,format=yuv420p" \
    -t 12 -c:v libx264 -preset veryfast -crf 23 -movflags +faststart "$out/base.mp4.tmp.mp4"
  mv "$out/base.mp4.tmp.mp4" "$out/base.mp4"
fi

if [ ! -s "$out/music.mp3" ]; then
  # 32 s of soft chords (Am, F, C, G), two seconds each, crossfaded so nothing clicks.
  expr=""
  k=0
  for root in 220 174.61 261.63 196; do
    env="clip(1.3-abs(mod(t,8)-$((2 * k + 1))),0,1)"
    tone="sin(2*PI*$root*t)+0.5*sin(2*PI*$root*1.2599*t)+0.4*sin(2*PI*$root*1.4983*t)"
    expr="$expr+$env*($tone)"
    k=$((k + 1))
  done
  ffmpeg -v error -y \
    -f lavfi -i "aevalsrc='0.12*(${expr#+})|0.12*(${expr#+})':s=44100:d=32" \
    -af "aecho=0.8:0.7:60|120:0.3|0.2,lowpass=f=2000,afade=t=in:d=1" \
    -c:a libmp3lame -b:a 128k "$out/music.mp3.tmp.mp3"
  mv "$out/music.mp3.tmp.mp3" "$out/music.mp3"
fi
# Scene visuals for examples/story.md: stills of different sizes and shapes, and clips of
# different frame rates and orientations.
scene() { [ -s "$out/$1" ] || ffmpeg -v error -y "${@:2}" "$out/$1"; }
scene dawn.jpg -f lavfi -i "gradients=s=1600x1000:c0=0xf6a04d:c1=0x3a1c71:x0=0:y0=0:x1=1600:y1=1000,drawbox=x=700:y=420:w=200:h=200:color=0xfff3b0:t=fill" -frames:v 1
scene harbour.png -f lavfi -i "gradients=s=800x1400:c0=0x0f4c75:c1=0x3282b8:x0=0:y0=0:x1=0:y1=1400,drawgrid=w=100:h=100:t=3:c=white@0.5" -frames:v 1
scene market.webp -f lavfi -i "mandelbrot=s=1200x1200:end_pts=1" -frames:v 1
scene waves.mp4 -f lavfi -i "life=s=360x640:r=24:mold=20:ratio=0.2:seed=3:life_color=0x8ecae6:death_color=0x023047,scale=720:1280:flags=neighbor" -t 3 -c:v libx264 -preset veryfast -pix_fmt yuv420p
scene city.mp4 -f lavfi -i "cellauto=s=640x360:r=25:rule=110,scale=1280:720:flags=neighbor,format=yuv420p" -t 4 -c:v libx264 -preset veryfast
echo "demo media in $out: base.mp4, music.mp3, dawn.jpg, harbour.png, market.webp, waves.mp4, city.mp4"
