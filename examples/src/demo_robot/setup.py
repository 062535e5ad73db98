from setuptools import setup

package_name = 'demo_robot'

setup(
    name=package_name,
    version='1.0.0',
    packages=[package_name],
    data_files=[
        ('share/ament_index/resource_index/packages',
            ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
    ],
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='Demo Maintainer',
    maintainer_email='dev@example.com',
    description='An ament_python package on top of the others.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'demo_robot = demo_robot.main:main',
        ],
    },
)
