"""Run the workspace's tools and report what they print."""
import subprocess


def main():
    print('demo_robot: ' + subprocess.check_output(
        ['demo_distance', '0', '0', '3', '4'], text=True).strip())
    print('demo_robot: ' + subprocess.check_output(
        ['demo_perimeter'], text=True).strip())
    return 0
